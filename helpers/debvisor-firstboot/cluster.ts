// Step 2: the cluster the installer was told to create (/etc/debvisor-cluster,
// CLUSTER=create), made through debvisord exactly as `debvisorctl cluster
// create` does it: Cluster.Create on this node's IPv4 address, then its Job to
// the end. It runs before the storage profile, so the profile's Ceph is the
// cluster's (a single-node Ceph listens on 127.0.0.1 and cannot become one).
import fs from "node:fs";
import dbus from "dbus-next";
import { CLUSTER_IFACE, ROOT_PATH } from "../../generated/dbus-contract.js";
import { CLUSTER_ANSWER_FILE, parseClusterAnswer } from "../lib/firstboot-cluster.js";
import { call, getProperties } from "../debvisorctl/bus.js";
import { followJob, ProgressReporter } from "../debvisorctl/job-follow.js";

const CLUSTER_PATH = `${ROOT_PATH}/cluster`;
/* debvisord may still be starting its areas on slow hardware */
const CALL_TIMEOUT_MS = 300_000;

class ClusterStepError extends Error {}

interface ClusterStepResult { message: string; log: string[] }

/* `address`: this node's IPv4 address the other nodes reach it on, or null when it has none. */
export async function clusterStep(address: string | null, file = CLUSTER_ANSWER_FILE, say: (line: string) => void = () => undefined): Promise<ClusterStepResult> {
    const log: string[] = [];
    const note = (line: string) => {
        log.push(line);
        say(line);
    };
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        return { message: `no cluster to create (${file} is missing)`, log };
    }
    const answer = parseClusterAnswer(text);
    if (answer === null)
        throw new ClusterStepError(`${file} names nothing first boot knows: it must say CLUSTER=none or CLUSTER=create`);
    if (answer === "none")
        return { message: "no cluster to create: this node stays on its own (it can join one from the Cluster page)", log };
    const props = await getProperties(CLUSTER_PATH, CLUSTER_IFACE, { timeoutMs: CALL_TIMEOUT_MS });
    if (props.State === "member")
        return { message: `this node is a member of a cluster already (as ${String(props.NodeName)} on ${String(props.Address)})`, log };
    if (address === null)
        throw new ClusterStepError("the cluster cannot be created: this node has no IPv4 address on its network for the other nodes to reach");
    const noAsk = { "auth.no_user_interaction": new dbus.Variant("b", true) };
    const [job] = await call(CLUSTER_PATH, CLUSTER_IFACE, "Create", "sa{sv}", [address, noAsk], { timeoutMs: CALL_TIMEOUT_MS }) as [string];
    note(`creating the cluster on ${address}: job ${job}`);
    const outcome = await followJob(job, { noAsk: true, reporter: new ProgressReporter(process.stdout, false) });
    note(`job ${job} ${outcome.state}: ${outcome.message}`);
    if (outcome.state !== "succeeded")
        throw new ClusterStepError(`creating the cluster on ${address} ${outcome.state}: ${outcome.message}`);
    return { message: `this node is the first member of a new cluster, on ${address}`, log };
}
