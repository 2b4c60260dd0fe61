// Child process run as a test user: reads one JSON CallRequest per line on
// stdin, answers one JSON CallResult per line on stdout. It also keeps the
// signals its connection receives (after an AddMatch), for tests of what a
// user may hear; the pseudo-call SIGNALS_TAKE hands them over.
import readline from "node:readline";
import dbus from "dbus-next";
import { BusClient, SIGNALS_TAKE } from "./bus-client.js";

const client = new BusClient();
const signals: Array<{ sender: string; path: string; iface: string; member: string }> = [];
client.bus.on("message", (msg: InstanceType<typeof dbus.Message>) => {
    // the bus driver's own signals (NameAcquired) are not what a test listens for
    if (msg.type === dbus.MessageType.SIGNAL && msg.sender !== "org.freedesktop.DBus")
        signals.push({ sender: String(msg.sender), path: String(msg.path), iface: String(msg.interface), member: String(msg.member) });
});
const lines = readline.createInterface({ input: process.stdin });
lines.on("line", line => {
    const { id, request } = JSON.parse(line);
    if (request.iface === SIGNALS_TAKE) {
        process.stdout.write(JSON.stringify({ id, result: { ok: true, body: [signals.splice(0)] } }) + "\n");
        return;
    }
    void client.call(request).then(result => process.stdout.write(JSON.stringify({ id, result }) + "\n"));
});
lines.on("close", () => {
    client.disconnect();
    process.exit(0);
});
