// Per-machine figures from libvirt's domain statistics
// (virConnectGetAllDomainStats through libvirt-dbus, one call for all running
// machines), read by debvisord at the textfile's interval and written with its
// other metrics. Debian's libvirt exporter would show every domain to anyone
// reaching its port; this way only Prometheus (behind the engines' secret)
// and debvisord (behind polkit) hold them.
import type { Family, Labels } from "./exposition.js";
import { everyInterval } from "./every-interval.js";

/** virDomainStatsTypes: state, CPU time, balloon (memory), vCPUs, interfaces, block devices */
const STATS = 1 | 2 | 4 | 8 | 16 | 32;
/** VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE: running (and paused) domains only */
const ACTIVE_ONLY = 1;

interface DomainStatsSource {
    allDomainStats(stats: number, flags: number): Promise<Array<[string, Record<string, unknown>]>>;
}

/** what a machine is called in the labels */
interface MachineIdentity { uuid: string; name: string }

interface MachineSample {
    labels: Labels;
    cpuSeconds: number;
    vcpus: number;
    memoryBytes: number;
    memoryUsedBytes: number;
    /** per device: [read or received bytes, written or sent bytes] */
    disks: Array<[string, number, number]>;
    nics: Array<[string, number, number]>;
}

const num = (value: unknown) => (typeof value === "number" || typeof value === "bigint" ? Number(value) : 0);

/* The devices of one kind ("block", "net") with their two byte counters. */
function devices(stats: Record<string, unknown>, kind: string, first: string, second: string): Array<[string, number, number]> {
    const count = Math.min(num(stats[`${kind}.count`]), 256);
    const out: Array<[string, number, number]> = [];
    for (let i = 0; i < count; i++) {
        const name = String(stats[`${kind}.${i}.name`] ?? i);
        out.push([name, num(stats[`${kind}.${i}.${first}`]), num(stats[`${kind}.${i}.${second}`])]);
    }
    return out;
}

/* One record as a sample; memory used is what the guest holds in the host (its QEMU process's RSS). */
export function machineSample(machine: MachineIdentity, stats: Record<string, unknown>): MachineSample {
    return {
        labels: { uuid: machine.uuid, name: machine.name },
        cpuSeconds: num(stats["cpu.time"]) / 1e9,
        vcpus: num(stats["vcpu.current"]),
        memoryBytes: num(stats["balloon.current"]) * 1024,
        memoryUsedBytes: num(stats["balloon.rss"]) * 1024,
        disks: devices(stats, "block", "rd.bytes", "wr.bytes"),
        nics: devices(stats, "net", "rx.bytes", "tx.bytes"),
    };
}

export function machineFamilies(samples: MachineSample[]): Family[] {
    const per = (value: (s: MachineSample) => number) => samples.map(s => ({ labels: s.labels, value: value(s) }));
    const perDevice = (list: (s: MachineSample) => Array<[string, number, number]>, which: 1 | 2) =>
        samples.flatMap(s => list(s).map(d => ({ labels: { ...s.labels, device: d[0] }, value: d[which] })));
    return [
        { name: "debvisor_machine_cpu_seconds_total", type: "counter", help: "CPU time each running machine used (all its vCPUs), from libvirt.", samples: per(s => s.cpuSeconds) },
        { name: "debvisor_machine_vcpus", type: "gauge", help: "vCPUs each running machine has now.", samples: per(s => s.vcpus) },
        { name: "debvisor_machine_memory_bytes", type: "gauge", help: "Memory each running machine has now (its balloon's size).", samples: per(s => s.memoryBytes) },
        { name: "debvisor_machine_memory_used_bytes", type: "gauge", help: "Host memory each running machine's QEMU process holds (its resident set).", samples: per(s => s.memoryUsedBytes) },
        { name: "debvisor_machine_disk_read_bytes_total", type: "counter", help: "Bytes each running machine read from each of its disks.", samples: perDevice(s => s.disks, 1) },
        { name: "debvisor_machine_disk_written_bytes_total", type: "counter", help: "Bytes each running machine wrote to each of its disks.", samples: perDevice(s => s.disks, 2) },
        { name: "debvisor_machine_network_received_bytes_total", type: "counter", help: "Bytes each running machine received on each network interface.", samples: perDevice(s => s.nics, 1) },
        { name: "debvisor_machine_network_sent_bytes_total", type: "counter", help: "Bytes each running machine sent on each network interface.", samples: perDevice(s => s.nics, 2) },
    ];
}

/* Keeps the latest statistics of the machines DebVisor knows; an empty list while libvirt cannot be read. */
export class MachineStats {
    private samples: MachineSample[] = [];
    private stopReading = () => {};

    constructor(private readonly source: DomainStatsSource, private readonly machines: () => MachineIdentity[]) {}

    async refresh(): Promise<string> {
        try {
            const byName = new Map(this.machines().map(m => [m.name, m]));
            const records = await this.source.allDomainStats(STATS, ACTIVE_ONLY);
            this.samples = records.flatMap(([name, stats]) => {
                const machine = byName.get(name);
                return machine ? [machineSample(machine, stats)] : [];
            });
            return "";
        } catch (e) {
            this.samples = [];
            return (e as Error).message;
        }
    }

    families(): Family[] {
        return machineFamilies(this.samples);
    }

    start(intervalMs: number, log: (message: string) => void): void {
        this.stopReading = everyInterval(intervalMs, () => this.refresh(), problem => log(`machine metrics: ${problem}`));
    }

    stop(): void {
        this.stopReading();
    }
}
