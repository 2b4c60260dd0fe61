// The Virtual machines page of a cluster: three DebVisor nodes
// (systemd-nspawn nodes on a bridge, test/lib/cluster-nodes.ts), each with
// 300 shut-off machines (defined libvirt domains: cheap). Navigation → first
// row and → all 900 known on node 1's page, in Chromium, against the same
// page on node 1 alone with its 300, measured in the same run before the
// cluster is made. The other nodes' machines reach node 1 with the answers
// to its pings over the cluster's SSH channel, as they do in use. The two
// joins are timed as they go (cluster-join.ts). Skipped, saying why, where
// nodes cannot be made.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Frame } from "playwright-core";
import { login, openSession, pageFrame } from "../test/lib/browser.js";
import { ClusterNodes, clusterNodesUnavailable } from "../test/lib/cluster-nodes.js";
import { ADMIN } from "../test/lib/users.js";
import { waitFor } from "../test/lib/wait.js";
import { clusterCtl, timedJoin } from "./cluster-join.js";
import { median, report } from "./lib.js";

const DEBS = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."), "build/debs");
const PER_NODE = 300;
const NODES = 3;
const ROUNDS = 3;

const domainXml = (name: string) => `<domain type='qemu'><name>${name}</name><memory unit='MiB'>16</memory><vcpu>1</vcpu>` +
    "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices><serial type='pty'/></devices></domain>";

interface Timings { firstRow: number[]; allKnown: number[]; scripts: number[]; watch: number[]; listed: number[]; drawn: number[] }

/* When, after `started` (ms since the epoch), the page's scripts ran and asked for debvisord's objects, and when that
 * watch was answered (the store's marks): what the first row waited for. */
async function pagePhases(frame: Frame, started: number): Promise<{ scripts: number; watch: number; listed: number; drawn: number }> {
    const [origin, asked, answered, listed, drawn] = await frame.evaluate(() => [performance.timeOrigin,
        ...["debvisor-watch-sent", "debvisor-watch-ready", "debvisor-listed", "debvisor-first-row"].map(mark =>
            performance.getEntriesByName(mark)[0]?.startTime ?? Number.NaN)]);
    return { scripts: origin + asked - started, watch: origin + answered - started, listed: origin + listed - started, drawn: origin + drawn - started };
}

/* How a person comes to the list: through Cockpit's menu from its Overview, the console already open (the shell is
 * loaded before and not counted: the goal's navigation); or by loading the page's address (a reload, a bookmark: the
 * shell is loaded too). */
const WAYS = ["menu", "address"] as const;
type Way = typeof WAYS[number];

/* Navigation to node 1's machines page → its first row, and → the count saying every machine is known. */
async function pageTimes(url: string, total: number, way: Way): Promise<Timings> {
    const session = await openSession();
    const t: Timings = { firstRow: [], allKnown: [], scripts: [], watch: [], listed: [], drawn: [] };
    try {
        await login(session.page, ADMIN, url);
        for (let i = 0; i < ROUNDS; i++) {
            let started: number;
            if (way === "menu") {
                // the shell keeps a page's frame once opened: from the Overview of a shell loaded anew, the list is new
                await session.page.goto(`${url}/system`);
                await pageFrame(session.page, "system");
                started = Date.now();
                await session.page.click(`#host-apps a[href="/debvisor/machines"]`);
            } else {
                started = Date.now();
                await session.page.goto(`${url}/debvisor/machines`);
            }
            const frame = await pageFrame(session.page, "debvisor/machines");
            await frame.locator("tr[data-machine]").first().waitFor({ timeout: 60_000 });
            t.firstRow.push(Date.now() - started);
            await frame.locator("#machine-count", { hasText: `of ${total} machines` }).waitFor({ timeout: 60_000 });
            t.allKnown.push(Date.now() - started);
            const phases = await pagePhases(frame, started);
            t.scripts.push(phases.scripts);
            t.watch.push(phases.watch);
            t.listed.push(phases.listed);
            t.drawn.push(phases.drawn);
        }
    } finally {
        await session.close();
    }
    return t;
}

/* Both ways, one after the other. */
async function pageTimesByWay(url: string, total: number): Promise<Record<Way, Timings>> {
    const byWay = {} as Record<Way, Timings>;
    for (const way of WAYS)
        byWay[way] = await pageTimes(url, total, way);
    return byWay;
}

export async function clusterViewBench(): Promise<void> {
    const unavailable = clusterNodesUnavailable(DEBS);
    if (unavailable) {
        console.log(`cluster view: skipped (${unavailable})`);
        return;
    }
    const cluster = new ClusterNodes("10.231.81");
    try {
        await cluster.boot(NODES, "bookworm", DEBS);
        // 300 domains a node, named after it, defined by one virsh reading its commands from a file
        cluster.nodes.forEach((node, n) => {
            const dir = path.join(node.dir, "root/bench");
            fs.mkdirSync(dir, { recursive: true });
            const script = Array.from({ length: PER_NODE }, (_, i) => {
                const name = `n${n + 1}-vm${String(i).padStart(3, "0")}`;
                fs.writeFileSync(path.join(dir, `${name}.xml`), domainXml(name));
                return `define /root/bench/${name}.xml\n`;
            }).join("");
            fs.writeFileSync(path.join(dir, "commands"), script);
            node.mustExec(["sh", "-c", "virsh < /root/bench/commands > /dev/null"], 300_000);
        });
        const first = cluster.nodes[0];
        first.mustExec(["sh", "-c", `useradd -m -G debvisor-admin ${ADMIN.name} && echo '${ADMIN.name}:${ADMIN.password}' | chpasswd`]);
        first.mustExec(["sh", "-c", "mkdir -p /etc/cockpit && printf '[WebService]\\nAllowUnencrypted = true\\n' > /etc/cockpit/cockpit.conf"]);
        first.mustExec(["systemctl", "enable", "--now", "cockpit.socket"]);
        const url = `http://${cluster.address(0)}:9090`;
        const alone = await pageTimesByWay(url, PER_NODE);

        clusterCtl(cluster, 0, ["cluster", "create", cluster.address(0), "--wait"]);
        // each join timed: the third adds a third monitor to a quorum of two
        for (const n of [1, 2])
            await timedJoin(cluster, n, 0);
        const listed = () => (JSON.parse(first.mustExec(["debvisorctl", "cluster", "status", "--json"])) as { Machines: unknown[] }).Machines.length;
        await waitFor("node 1 to know the other nodes' machines", () => listed() === PER_NODE * (NODES - 1), 120_000, 1000);
        const together = await pageTimesByWay(url, PER_NODE * NODES);

        const total = PER_NODE * NODES;
        const wayText: Record<Way, string> = { menu: "through the menu", address: "its address loaded" };
        // a mark the page had not set when measured (the list's rows were all known before the objects were read)
        const ms = (values: number[]) => {
            const set = values.filter(v => !Number.isNaN(v));
            return set.length ? median(set).toFixed(0) : "after the rest";
        };
        for (const way of WAYS) {
            for (const [what, t] of [["node 1 alone", alone[way]], ["the cluster", together[way]]] as const)
                console.log(`cluster page, ${what}, ${wayText[way]}, ms after the navigation began: it asked for debvisord's objects ${ms(t.scripts)}, ` +
                    `the list's machines (ListMachines) answered ${ms(t.listed)}, its watch of debvisord's objects answered ${ms(t.watch)}, first row ${ms(t.firstRow)} (drawn in the page ${ms(t.drawn)}), all known ${ms(t.allKnown)}`);
        }
        // the goals are for navigation in the console; a load of the address adds Cockpit's shell, for context
        for (const way of WAYS) {
            const goals = way === "menu";
            report(`cluster page, ${wayText[way]}: → first row (${NODES} nodes × ${PER_NODE})`, `${median(together[way].firstRow).toFixed(0)} ms`,
                `node 1 alone, ${PER_NODE} machines (${median(alone[way].firstRow).toFixed(0)} ms)`, median(together[way].firstRow) / median(alone[way].firstRow), goals ? "goal 1.5 s" : undefined);
            report(`cluster page, ${wayText[way]}: → all ${total} known`, `${median(together[way].allKnown).toFixed(0)} ms`,
                `node 1 alone, all ${PER_NODE} known (${median(alone[way].allKnown).toFixed(0)} ms)`, median(together[way].allKnown) / median(alone[way].allKnown), goals ? "goal 2.5 s" : undefined);
        }
    } finally {
        await cluster.stop();
    }
}
