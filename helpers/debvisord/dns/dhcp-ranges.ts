// The DHCP ranges dnsmasq serves: checked, accepted by dnsmasq's own test,
// then saved with the rest of the DNS state.
import { failed, invalidArgument } from "../../lib/errors.js";
import { checkRanges, renderDnsmasq, writeDnsmasqConfig, type DhcpRange } from "./dhcp-config.js";
import type { DnsHost } from "./dns-host.js";

export class DhcpRanges {
    constructor(private readonly dns: DnsHost) {}

    /* Replaces the DHCP ranges: checked, accepted by dnsmasq, then saved; returns the file's text. */
    replace(ranges: DhcpRange[], dryRun: boolean): Promise<string> {
        return this.dns.exclusive(async () => {
            const problem = checkRanges(ranges);
            if (problem)
                throw invalidArgument(problem);
            if (dryRun)
                return renderDnsmasq(ranges);
            const text = await writeDnsmasqConfig(ranges, this.dns.paths.dnsmasqConf).catch(e => { throw failed((e as Error).message) });
            await this.dns.commit(s => { s.dhcpRanges = ranges }, false);
            return text;
        });
    }
}
