// debvisorctl vm console NAME: the guest's serial console in this terminal,
// through the socket debvisord opens for the caller. Ctrl-] leaves.
import net from "node:net";
import { NO_ASK_OPTION, type Command } from "../command.js";
import { print } from "../output.js";
import { callMachine } from "./machine-lookup.js";

const ESCAPE = 0x1d; // Ctrl-]

export const vmConsole: Command = {
    name: "vm console",
    args: "NAME",
    summary: "the serial console of a running machine (Ctrl-] leaves)",
    details: "Shows what the guest printed since it started (up to 256 KiB), then what it prints; what you type goes\n" +
        "to the guest. Without a terminal, standard input is sent as it is and the console closes at its end.",
    options: NO_ASK_OPTION,
    async run(values, [name]) {
        const [socketPath] = await callMachine(name, "OpenConsole", values, {}, ["serial"]) as [string];
        const socket = net.connect(socketPath);
        await new Promise<void>((resolve, reject) => { socket.once("connect", resolve); socket.once("error", reject) });
        const interactive = process.stdin.isTTY === true;
        if (interactive) {
            process.stderr.write(`Connected to ${name}'s serial console; Ctrl-] leaves.\r\n`);
            process.stdin.setRawMode(true);
        }
        socket.pipe(process.stdout);
        return new Promise<number>(resolve => {
            const leave = (code: number) => {
                if (interactive)
                    process.stdin.setRawMode(false);
                process.stdin.pause();
                socket.destroy();
                resolve(code);
            };
            process.stdin.on("data", (keys: Buffer) => {
                const at = interactive ? keys.indexOf(ESCAPE) : -1;
                if (at >= 0) {
                    socket.write(keys.subarray(0, at));
                    print("");
                    leave(0);
                } else {
                    socket.write(keys);
                }
            });
            process.stdin.on("end", () => socket.end());
            socket.on("close", () => leave(0));
            socket.on("error", () => leave(1));
        });
    },
};
