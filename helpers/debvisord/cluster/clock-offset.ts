// How far a joining node's clock is from the member's it joins through. Ceph's
// monitors warn when their clocks differ by more than mon_clock_drift_allowed
// (0.05 s) and stop agreeing far beyond it (leases, cephx tickets): a node
// whose clock is surely more than ten times that off is refused at the join,
// before anything is done. One call measures it: the member's time is taken
// between this node's sending and its hearing the answer, so the offset lies
// between the two ends, and only an offset whose whole range is too far is
// refused (a slow call does not make a good clock look bad).
const CEPH_DRIFT_ALLOWED_S = 0.05;
export const MAX_CLOCK_OFFSET_S = 0.5;

interface Exchange {
    /** this node's time when it sent the call, ms */
    sent: number;
    /** the member's time while it answered, ms */
    memberTime: number;
    /** this node's time when the answer came, ms */
    answered: number;
}

/* The member's clock minus this node's, in seconds, and how sure it is (±). */
export function clockOffset(e: Exchange): { offset: number; uncertainty: number } {
    const low = (e.memberTime - e.answered) / 1000;
    const high = (e.memberTime - e.sent) / 1000;
    return { offset: (low + high) / 2, uncertainty: (high - low) / 2 };
}

/* Why this node's clock is too far off to join through MEMBER; "" when it is not. */
export function clockProblem(e: Exchange, member: string): string {
    const { offset, uncertainty } = clockOffset(e);
    if (Math.abs(offset) - uncertainty <= MAX_CLOCK_OFFSET_S)
        return "";
    const seconds = Math.abs(offset) < 10 ? Math.abs(offset).toFixed(2) : Math.abs(offset).toFixed(0);
    return `this node's clock is ${seconds} s ${offset > 0 ? "behind" : "ahead of"} the clock of ${member} (±${uncertainty.toFixed(2)} s); `
        + `Ceph's monitors need their clocks within ${CEPH_DRIFT_ALLOWED_S} s of each other: set the clocks right (NTP), then join with a new token`;
}
