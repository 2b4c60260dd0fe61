// Asks polkit whether a caller may perform an action. The subject is the
// caller's bus name, so polkit itself checks the uid and process behind it.
import dbus from "dbus-next";
import { AuthorizationCache } from "./authorization-cache.js";
import type { Caller } from "./caller.js";

const { Message, Variant } = dbus;

interface Authorization { authorized: boolean; challenge: boolean }

export class Polkit {
    /* the questions polkitd has not answered yet: the same question asked again meanwhile waits for that answer.
     * A page's first reads come together (a machine's six History series): polkitd answers one at a time, and on a
     * busy host six checks of the same caller, action and object took half a second before the first read began */
    private readonly pending = new Map<string, Promise<Authorization>>();

    constructor(private readonly bus: dbus.MessageBus, private readonly cache = new AuthorizationCache()) {}

    async check(caller: Caller, action: string, details: Record<string, string>, allowInteraction: boolean): Promise<Authorization> {
        // polkit authorizes uid 0 for every action without consulting rules;
        // answering here saves a round trip on scripted root calls
        if (caller.uid === 0)
            return { authorized: true, challenge: false };
        const key = AuthorizationCache.key(caller.sender, action, details, allowInteraction);
        if (this.cache.allows(key))
            return { authorized: true, challenge: false };
        let answer = this.pending.get(key);
        if (!answer) {
            answer = this.ask(caller, action, details, allowInteraction, key);
            this.pending.set(key, answer);
            const done = () => { this.pending.delete(key) };
            answer.then(done, done);
        }
        return answer;
    }

    private async ask(caller: Caller, action: string, details: Record<string, string>, allowInteraction: boolean, key: string): Promise<Authorization> {
        const reply = await this.bus.call(new Message({
            destination: "org.freedesktop.PolicyKit1",
            path: "/org/freedesktop/PolicyKit1/Authority",
            interface: "org.freedesktop.PolicyKit1.Authority",
            member: "CheckAuthorization",
            signature: "(sa{sv})sa{ss}us",
            body: [["system-bus-name", { name: new Variant("s", caller.sender) }], action, details, allowInteraction ? 1 : 0, ""],
        }));
        if (!reply)
            throw new Error("no reply from polkit");
        const [authorized, challenge] = reply.body[0] as [boolean, boolean];
        if (authorized)
            this.cache.remember(key);
        return { authorized, challenge };
    }
}
