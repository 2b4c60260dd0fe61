// debvisor-firstboot: what a node installed from the DebVisor ISO does once,
// at its first boot (debvisor-firstboot.service, enabled by the installer).
// Its steps each check what exists before they act; the state is written to
// /var/lib/debvisor/firstboot.json after every step, so a run that failed
// goes on at the failed step the next time, and debvisord shows it on the
// Manager's FirstBoot property (and the Overview page). After the last step
// it leaves /var/lib/debvisor/firstboot.done and disables its service.
//
// Test hooks (environment; unset on a real node), so a test can run the real
// program without touching the host's network or firewall:
//   DEBVISOR_FIRSTBOOT_TEST_NETNS           run ip and nft in this network namespace
//   DEBVISOR_FIRSTBOOT_TEST_INTERFACES      the ifupdown file instead of /etc/network/interfaces
//   DEBVISOR_FIRSTBOOT_TEST_NFTABLES_CONF   instead of /etc/nftables.conf (the ruleset goes to nftables.d/ beside it)
//   DEBVISOR_FIRSTBOOT_TEST_NFT_TABLE       the baseline's table name instead of debvisor-baseline
//   DEBVISOR_FIRSTBOOT_TEST_LIBVIRT_NETWORK the NAT network to autostart instead of "default"
import fs from "node:fs";
import { writeJsonAtomically } from "../lib/atomic-file.js";
import { CLUSTER_ANSWER_FILE, parseClusterAnswer } from "../lib/firstboot-cluster.js";
import { readFirstBoot } from "../lib/firstboot-file.js";
import { FIRSTBOOT_DONE_FILE, FIRSTBOOT_STATE_FILE } from "../lib/firstboot-state.js";
import { PROFILE_FILE } from "../debvisord/host/facts.js";
import { disconnect } from "../debvisorctl/bus.js";
import { bridgeStep } from "./bridge.js";
import { Host } from "./host.js";
import { BRIDGE } from "./interfaces.js";
import { clusterStep } from "./cluster.js";
import { libvirtStep } from "./libvirt.js";
import { seedManagementSet } from "./management.js";
import { networkOf } from "../lib/cidr.js";
import { applyBaseline, BASELINE_TABLE, type Network } from "./nft-baseline.js";
import { resumeState } from "./state.js";
import { profileFromFile, storageStep } from "./storage.js";
import { chooseZfs } from "./zfs-choice.js";

const SERVICE = "debvisor-firstboot.service";
const INTERFACES = "/etc/network/interfaces";

interface Settings {
    netns: string | null;
    interfaces: string;
    nftablesConf: string | undefined;
    table: string;
    network: string | undefined;
    stateFile: string;
    doneFile: string;
    profileFile: string;
    clusterFile: string;
    systemd: boolean;
}

function testHook(name: string, check: (v: string) => boolean, what: string): string | undefined {
    const value = process.env[name];
    if (value === undefined || value === "")
        return undefined;
    if (!check(value))
        throw new Error(`${name}=${JSON.stringify(value)} is not ${what}`);
    return value;
}

function settingsFromEnv(): Settings {
    const absolute = (v: string) => v.startsWith("/") && !v.split("/").includes("..") && !v.includes("\n");
    const name = (v: string) => /^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(v);
    return {
        netns: testHook("DEBVISOR_FIRSTBOOT_TEST_NETNS", name, "a network namespace name") ?? null,
        interfaces: testHook("DEBVISOR_FIRSTBOOT_TEST_INTERFACES", absolute, "an absolute path") ?? INTERFACES,
        nftablesConf: testHook("DEBVISOR_FIRSTBOOT_TEST_NFTABLES_CONF", absolute, "an absolute path"),
        table: testHook("DEBVISOR_FIRSTBOOT_TEST_NFT_TABLE", name, "an nftables table name") ?? BASELINE_TABLE,
        network: testHook("DEBVISOR_FIRSTBOOT_TEST_LIBVIRT_NETWORK", name, "a libvirt network name"),
        stateFile: FIRSTBOOT_STATE_FILE,
        doneFile: FIRSTBOOT_DONE_FILE,
        profileFile: PROFILE_FILE,
        clusterFile: CLUSTER_ANSWER_FILE,
        // systemctl can enable and disable only where systemd runs the host
        systemd: fs.existsSync("/run/systemd/system"),
    };
}

interface StepResult { message: string; log?: string[] }
interface StepDef { id: string; description: string; run: (s: Settings, say: (line: string) => void) => Promise<StepResult> }

/* The global addresses on the bridge (or the NIC the default route leaves by), and their networks: Ceph is reached from them, the admins too. */
async function nodeNetworks(host: Host): Promise<{ device: string; networks: Network[]; addresses: string[] }> {
    const routes = await host.ipJson<{ dev?: string }>(["route", "show", "default"], "reading the default route").catch(() => []);
    const dev = routes.find(r => r.dev)?.dev ?? BRIDGE;
    const addrs = await host.ipJson<{ addr_info: Array<{ local: string; prefixlen: number; scope: string }> }>(["addr", "show", "dev", dev], `reading ${dev}'s addresses`).catch(() => []);
    const global = addrs.flatMap(a => a.addr_info).filter(a => a.scope === "global");
    return {
        device: dev,
        networks: global.map(a => networkOf(a.local, a.prefixlen)).filter((n): n is Network => n !== null),
        addresses: global.map(a => a.local),
    };
}

/* Whether the installer asked for a cluster (the cluster step made it, or failed before the firewall step runs). */
function clusterAsked(file: string): boolean {
    try {
        return parseClusterAnswer(fs.readFileSync(file, "utf8")) === "create";
    } catch {
        return false;
    }
}

async function systemctl(s: Settings, host: Host, args: string[], what: string): Promise<string> {
    if (!s.systemd)
        return `skipped: systemd is not running this host (systemctl ${args.join(" ")} was not run)`;
    await host.must("systemctl", args, what);
    return `systemctl ${args.join(" ")}`;
}

function steps(host: Host): StepDef[] {
    return [
        {
            id: "bridge", description: "Bridge br0 on the primary network interface, keeping its address",
            run: async s => {
                const r = await bridgeStep(host, { interfacesFile: s.interfaces });
                return { message: r.changed ? `${r.nic} is a port of ${BRIDGE}, which has its address` : r.summary, log: r.log };
            },
        },
        {
            id: "cluster", description: "The cluster the installer was asked to create, on this node's address",
            run: async (s, say) => {
                const ipv4 = (await nodeNetworks(host)).addresses.find(a => a.includes("."));
                return clusterStep(ipv4 ?? null, s.clusterFile, say);
            },
        },
        {
            id: "storage", description: "Storage profile applied through debvisord",
            run: async (s, say) => {
                const profile = profileFromFile(s.profileFile);
                const zfs = profile === "zfs" || profile === "mixed" ? await chooseZfs(host) : null;
                if (zfs)
                    say(zfs);
                const r = await storageStep(s.profileFile, say);
                return zfs ? { message: r.message, log: [zfs, ...r.log] } : r;
            },
        },
        {
            id: "libvirt", description: "libvirt storage pool for VM disks and the NAT network",
            run: s => libvirtStep(host, { profile: profileFromFile(s.profileFile) ?? "none", network: s.network }),
        },
        {
            id: "firewall", description: "nftables baseline: SSH, Cockpit and what the storage profile needs; the rest dropped; the management set seeded",
            run: async s => {
                const profile = profileFromFile(s.profileFile) ?? "none";
                const { device, networks } = await nodeNetworks(host);
                const { file, ruleset } = await applyBaseline(host, { table: s.table, profile, networks, conf: s.nftablesConf, cluster: clusterAsked(s.clusterFile) });
                const log = [`loaded ${file} (table inet ${s.table})`, ...ruleset.split("\n").filter(l => l.trim() !== "")];
                log.push(...await seedManagementSet(networks, device));
                let message = `table inet ${s.table} loaded from ${file}`;
                if ((profile === "ceph" || profile === "mixed" || clusterAsked(s.clusterFile)) && networks.length === 0)
                    message += `; warning: no network of this node was found, so Ceph's ports are not open`;
                // the nftables service loads /etc/nftables.conf at boot (not in a test's namespace)
                if (!s.netns)
                    log.push(await systemctl(s, host, ["enable", "nftables.service"], "enabling the nftables service"));
                return { message, log };
            },
        },
        {
            id: "cockpit", description: "Cockpit enabled",
            run: async s => {
                const done = await systemctl(s, host, ["enable", "--now", "cockpit.socket"], "enabling Cockpit");
                return { message: s.systemd ? "cockpit.socket is enabled and listening" : done };
            },
        },
        {
            id: "finish", description: "First boot marked done; its service disabled",
            run: async s => {
                fs.writeFileSync(s.doneFile, `${new Date().toISOString()}\n`, { mode: 0o644 });
                const done = await systemctl(s, host, ["disable", SERVICE], "disabling debvisor-firstboot.service");
                return { message: s.systemd ? `${SERVICE} is disabled` : done };
            },
        },
    ];
}

function say(line: string): void {
    process.stdout.write(`${line}\n`);
}

async function runFirstBoot(s: Settings): Promise<number> {
    const saved = readFirstBoot(s.stateFile);
    if (fs.existsSync(s.doneFile) && saved.state === "done") {
        say(`first boot finished at ${saved.finished || "an earlier boot"}: nothing to do`);
        return 0;
    }
    const host = new Host(s.netns);
    const defs = steps(host);
    const state = resumeState(saved, defs);
    const save = () => writeJsonAtomically(s.stateFile, state);
    save();
    for (const [i, def] of defs.entries()) {
        const step = state.steps[i];
        if (step.state === "done") {
            say(`[${def.id}] done at ${step.finished}: skipped`);
            continue;
        }
        step.state = "running";
        step.started = new Date().toISOString();
        step.finished = "";
        step.message = "";
        step.log = [];
        save();
        say(`[${def.id}] ${def.description}`);
        try {
            const r = await def.run(s, line => say(`[${def.id}] ${line}`));
            step.state = "done";
            step.message = r.message;
            step.log = r.log ?? [];
            if (def.id !== "storage" && def.id !== "cluster")
                for (const line of step.log) say(`[${def.id}] ${line}`);
        } catch (e) {
            step.state = "failed";
            step.message = (e as Error).message;
            state.state = "failed";
        }
        step.finished = new Date().toISOString();
        if (step.state === "failed") {
            save();
            say(`[${def.id}] failed: ${step.message}`);
            process.stderr.write(`debvisor-firstboot: the step "${def.description}" failed: ${step.message}\n` +
                `debvisor-firstboot: it is tried again, from this step, the next time ${SERVICE} runs\n`);
            return 1;
        }
        say(`[${def.id}] ${step.message}`);
        save();
    }
    // every step is done (also when only the mark was missing: it is made again)
    if (!fs.existsSync(s.doneFile))
        fs.writeFileSync(s.doneFile, `${new Date().toISOString()}\n`, { mode: 0o644 });
    state.state = "done";
    state.finished = state.steps[state.steps.length - 1].finished || new Date().toISOString();
    save();
    say(`first boot finished at ${state.finished}`);
    return 0;
}

async function main(): Promise<void> {
    process.umask(0o022);
    if (process.argv.includes("--help")) {
        say("usage: debvisor-firstboot\nSets this node up at its first boot (bridge, storage profile, libvirt, firewall, Cockpit); see debvisor-firstboot.service.");
        process.exit(0);
    }
    let code = 1;
    try {
        code = await runFirstBoot(settingsFromEnv());
    } catch (e) {
        process.stderr.write(`debvisor-firstboot: ${(e as Error).message}\n`);
    } finally {
        disconnect();
    }
    process.exit(code);
}

void main();
