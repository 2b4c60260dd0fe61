// polkitd answers CheckAuthorization one at a time and runs the rules'
// JavaScript for each: a few hundred answers a second, for every caller of
// the node together. A "yes" for one bus connection, action and details is
// therefore kept for a few seconds. A unique connection name is never
// reused while the bus runs and its process and uid cannot change, so only
// the rules' answer can: a user taken out of a DebVisor group loses access
// within TTL_MS. A "no" is never kept, so a refused caller is asked about
// again every time (and its denial audited).
const TTL_MS = 5_000;
const MAX_ENTRIES = 4096;

export class AuthorizationCache {
    /* key → when the "yes" expires; Map keeps insertion order, so the first entry is the oldest */
    private readonly allowed = new Map<string, number>();

    constructor(private readonly ttlMs = TTL_MS, private readonly now: () => number = () => performance.now()) {}

    static key(sender: string, action: string, details: Record<string, string>, allowInteraction: boolean): string {
        return JSON.stringify([sender, action, allowInteraction, Object.entries(details).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)]);
    }

    allows(key: string): boolean {
        const expires = this.allowed.get(key);
        if (expires === undefined)
            return false;
        if (expires > this.now())
            return true;
        this.allowed.delete(key);
        return false;
    }

    remember(key: string): void {
        this.allowed.delete(key);
        if (this.allowed.size >= MAX_ENTRIES)
            this.allowed.delete(this.allowed.keys().next().value as string);
        this.allowed.set(key, this.now() + this.ttlMs);
    }

    get size(): number { return this.allowed.size }
}
