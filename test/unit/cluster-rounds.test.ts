// The cluster's rounds of pings go on while Ceph does not answer the read of
// the member records (a monitor gone: the ceph tool waits up to a minute):
// a member that stops answering is shown down, and signalled, by the next
// round's ping, not once Ceph answers again. Ceph and the SSH channel are
// stand-ins here (named so below); the three-node test (88) kills a real node.
import QUnit from "qunit";
import { ClusterArea } from "../../helpers/debvisord/cluster/cluster-area.js";
import type { PeerRequest } from "../../helpers/debvisord/cluster/cluster-host.js";
import type { Member } from "../../helpers/debvisord/cluster/membership.js";
import type { JobRegistry } from "../../helpers/debvisord/jobs/jobs.js";
import { recordingServer } from "../lib/recording-server.js";

const member = (name: string, address: string): Member => ({ name, address, nodeKey: "", hostKey: "", joined: 0 });

/* Stand-ins: a Ceph whose member read never ends, and a channel whose other member answers until it is "killed". */
class AreaWithSilentCeph extends ClusterArea {
    pings = 0;
    answering = true;
    protected override readMemberRecords(): Promise<Member[]> {
        return new Promise(() => undefined);
    }
    override call(m: Member, _request: PeerRequest): Promise<unknown> {
        this.pings++;
        return this.answering ? Promise.resolve({ node: m.name, machines: [] }) : Promise.reject(new Error(`ssh: connect to host ${m.address} port 22: Connection refused`));
    }
}

function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms);
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

QUnit.module("cluster rounds: pings do not wait for Ceph", () => {
    QUnit.test("with the member read hanging, each round still pings; a member that stops answering is signalled down", async assert => {
        const { server, objects, changes } = recordingServer();
        const area = new AreaWithSilentCeph(server, {} as JobRegistry);
        area.start();
        try {
            await area.refresh(); // start's own round: no cluster yet
            area.state = "member";
            area.local = { fsid: "f", name: "n1", address: "10.0.0.1" };
            area.members = [member("n1", "10.0.0.1"), member("n2", "10.0.0.2")];
            const health = () => (objects.get(area.path)?.properties().Nodes as Array<{ Name: string; Health: string }>).find(n => n.Name === "n2")?.Health;

            await within(area.refresh(), 2000, "the first round");
            assert.strictEqual(health(), "up", "n2 answered");
            area.answering = false;
            const signalled = changes.length;
            await within(area.refresh(), 2000, "the round after n2 stopped answering");
            assert.strictEqual(area.pings, 2, "the second round pinged though the first read still hangs");
            assert.strictEqual(health(), "down", "n2 is down");
            assert.true(changes.slice(signalled).some(([path, , names]) => path === area.path && names.includes("Nodes")), "and the Nodes property was signalled");
        } finally {
            area.stop();
        }
    });
});
