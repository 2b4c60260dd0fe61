// Who is calling: the uid the bus vouches for. That is the identity every
// check, audit record and "created by" uses.
//
// The calling process's /proc/PID/loginuid is kept beside it, but only as a
// claim: the kernel lets a process whose login uid is unset (anything not
// started through a PAM login: services, containers, cron without
// pam_loginuid) write any uid there, without privilege. Nothing here can
// tell such a write from pam_loginuid's (logind could, from the caller's
// session, where it runs; debvisord does not rely on it), so the audit log,
// the pages and debvisorctl show it labelled as claimed and never in place
// of the uid.
import fs from "node:fs/promises";
import dbus from "dbus-next";
import { userName } from "../../lib/user-names.js";

const { Message } = dbus;

const NO_LOGINUID = 0xffffffff;

export interface Caller {
    sender: string;
    uid: number;
    pid: number;
    /** the login uid the calling process claims (NO_LOGINUID: none); never an identity, see above */
    loginuid: number;
    user: string;
    /** the name behind the claimed loginuid; "" when unset */
    loginUser: string;
}

export class CallerResolver {
    // unique bus names are never reused, so an entry stays right for its lifetime
    private readonly cache = new Map<string, Promise<Caller>>();

    constructor(private readonly bus: dbus.MessageBus) {}

    resolve(sender: string): Promise<Caller> {
        let caller = this.cache.get(sender);
        if (!caller) {
            if (this.cache.size >= 4096)
                this.cache.clear();
            caller = this.lookup(sender);
            caller.catch(() => this.cache.delete(sender));
            this.cache.set(sender, caller);
        }
        return caller;
    }

    private async busCall(member: string, sender: string): Promise<number> {
        const reply = await this.bus.call(new Message({
            destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
            member, signature: "s", body: [sender],
        }));
        if (!reply)
            throw new Error(`${member}: no reply from the bus`);
        return reply.body[0] as number;
    }

    private async lookup(sender: string): Promise<Caller> {
        const [uid, pid] = await Promise.all([
            this.busCall("GetConnectionUnixUser", sender),
            this.busCall("GetConnectionUnixProcessID", sender),
        ]);
        let loginuid = NO_LOGINUID;
        try {
            loginuid = Number((await fs.readFile(`/proc/${pid}/loginuid`, "utf8")).trim());
        } catch {
            // no audit support in the kernel, or the process is gone
        }
        const user = await userName(uid);
        const loginUser = loginuid === NO_LOGINUID ? "" : loginuid === uid ? user : await userName(loginuid);
        return { sender, uid, pid, loginuid, user, loginUser };
    }
}
