/** One debvisorctl command: its usage text and what it does; returns the exit code. */
export interface Command {
    name: string;
    summary: string;
    usage: string;
    run(argv: string[]): Promise<number>;
}
