// Types for the part of cockpit.js the pages use. cockpit.js itself is not
// bundled: each page loads ../base1/cockpit.js from the installed Cockpit,
// which defines window.cockpit.

/** What a failed call or watch rejects with: a D-Bus error (name and message),
 * or a Cockpit problem code ("not-found", "access-denied", "disconnected" …)
 * when the channel itself failed; then name is null and message the code. */
export interface DBusError { name?: string | null; message?: string; problem?: string | null }

/** How a channel ended: "close" event data. */
export interface CloseOptions { problem?: string; message?: string }

/** "notify" data: object path → interface → properties; null when the interface went away. */
export type NotifyData = Record<string, Record<string, Record<string, unknown> | null>>;

interface Subscription { remove(): void }

type Watch = Promise<void> & Subscription;

export interface DBusClient {
    watch(path: { path_namespace: string } | { path: string } | string): Watch;
    call(path: string, iface: string, method: string, args: unknown[],
        options?: { type?: string; timeout?: number; flags?: string }): Promise<unknown[]>;
    subscribe(match: { path?: string; path_namespace?: string; interface?: string; member?: string },
        callback: (path: string, iface: string, signal: string, args: unknown[]) => void): Subscription;
    addEventListener(type: "notify", listener: (event: Event, data: NotifyData) => void): void;
    addEventListener(type: "close", listener: (event: Event, options: CloseOptions) => void): void;
    addEventListener(type: "owner", listener: (event: Event, owner: string | null) => void): void;
    /** tells the bridge what the service's interfaces are, as it would learn by introspecting them;
     * cockpit.js has it up to Cockpit 288 only (Debian 12's 287 has it, Debian 13's 337 not) */
    meta?: (interfaces: Record<string, unknown>) => void;
    close(problem?: string): void;
}

interface FileHandle {
    read(): Promise<Uint8Array | null>;
    close(): void;
}

/** A raw channel, e.g. a stream to a Unix socket ("payload": "stream", "unix": path). */
interface Channel {
    send(data: string | Uint8Array): void;
    close(problem?: string): void;
    addEventListener(type: "message", listener: (event: Event, data: string | Uint8Array) => void): void;
    addEventListener(type: "close", listener: (event: Event, options: CloseOptions) => void): void;
}

interface ChannelOptions { payload: "stream"; unix?: string; binary?: boolean; [option: string]: unknown }

interface Cockpit {
    file(path: string, options: { binary: true; max_read_size?: number }): FileHandle;
    channel(options: ChannelOptions): Channel;
    dbus(name: string, options?: { bus?: "system" | "session"; superuser?: "try" | "require" }): DBusClient;
    gettext(message: string): string;
    /** The user's language and its direction, as the loaded po.js set them ("en", "ltr" without one). */
    language: string;
    language_direction: "ltr" | "rtl";
    ngettext(singular: string, plural: string, n: number): string;
    format(template: string, ...args: unknown[]): string;
    format_bytes(n: number, factor?: number): string;
    /** A human sentence for an error or a problem code. */
    message(error: DBusError | CloseOptions | string): string;
    hidden: boolean;
    /** `wait`: calls back once the page's connection to Cockpit is open (at once if it is); frames sent before that
     * are queued until then. */
    transport: { host: string; origin: string; csrf_token: string; wait(callback: () => void): void };
    addEventListener(type: "visibilitychange" | "locationchanged", listener: () => void): void;
    removeEventListener(type: "visibilitychange" | "locationchanged", listener: () => void): void;
    location: { path: string[]; options: Record<string, string | string[]>; go(path: string | string[], options?: Record<string, string>): void };
    jump(path: string, host?: string): void;
    /** The logged-in user, with the groups that give DebVisor roles. */
    user(): Promise<{ name: string; id: number; groups: string[] }>;
}

declare global {
    interface Window { cockpit: Cockpit }
}

export const cockpit: Cockpit = window.cockpit;
