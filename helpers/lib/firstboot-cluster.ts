// What the installer was told about a cluster, for first boot: "create" makes
// the node the first member of a new DebVisor cluster on its own address
// before the storage profile is applied (the profile's Ceph is then the
// cluster's); "none" leaves it on its own. Nodes join later, by token, from
// the Cluster page or `debvisorctl cluster join` (a token is a secret, short-lived
// and made on a member, so it is no installer answer). One line, CLUSTER=word,
// like /etc/debvisor-profile.
export const CLUSTER_ANSWER_FILE = "/etc/debvisor-cluster";
export const CLUSTER_ANSWERS = ["none", "create"] as const;
export type ClusterAnswer = typeof CLUSTER_ANSWERS[number];

export function clusterAnswerText(answer: ClusterAnswer): string {
    return `CLUSTER=${answer}\n`;
}

/* The answer the file gives: null when it names no answer (the caller says so, not guessed). */
export function parseClusterAnswer(text: string): ClusterAnswer | null {
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#"))
            continue;
        const value = line.replace(/^CLUSTER\s*=\s*/i, "").replace(/^["']|["']$/g, "").toLowerCase();
        return (CLUSTER_ANSWERS as readonly string[]).includes(value) ? value as ClusterAnswer : null;
    }
    return null;
}
