// Child process run as a test user: reads one JSON CallRequest per line on
// stdin, answers one JSON CallResult per line on stdout.
import readline from "node:readline";
import { BusClient } from "./bus-client.js";

const client = new BusClient();
const lines = readline.createInterface({ input: process.stdin });
lines.on("line", line => {
    const { id, request } = JSON.parse(line);
    void client.call(request).then(result => process.stdout.write(JSON.stringify({ id, result }) + "\n"));
});
lines.on("close", () => {
    client.disconnect();
    process.exit(0);
});
