// The DHCP ranges dnsmasq serves: checked, accepted by dnsmasq's own test,
// then saved with the rest of the DNS state. dnsmasq reads its configuration
// only when it starts, so a running dnsmasq service is restarted; one that
// does not come back with the new file gets the old one back.
import fs from "node:fs";
import { failed, invalidArgument } from "../../lib/errors.js";
import { writeFileAtomically } from "../../lib/atomic-file.js";
import { hasSystemd, restartUnit, unitActive } from "../../lib/systemd-units.js";
import { checkRanges, renderDnsmasq, writeDnsmasqConfig, type DhcpRange } from "./dhcp-config.js";
import type { DnsHost } from "./dns-host.js";
import { readSavedFile } from "../../lib/saved-file.js";

const DNSMASQ_UNIT = "dnsmasq.service";

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
            const file = this.dns.paths.dnsmasqConf;
            const previous = readSavedFile(file);
            const text = await writeDnsmasqConfig(ranges, file).catch(e => { throw failed((e as Error).message) });
            const refused = await restartServing();
            if (refused !== null) {
                if (previous === null)
                    fs.rmSync(file, { force: true });
                else
                    writeFileAtomically(file, previous, 0o644);
                const back = await restartUnit(DNSMASQ_UNIT);
                throw failed(`dnsmasq did not start with the new ranges, so the previous ones were put back${back === null ? "" : " (and it did not start with those either)"}: ${refused}`);
            }
            await this.dns.commit(s => { s.dhcpRanges = ranges }, false);
            return text;
        });
    }
}

/* Restarts dnsmasq's service when it runs (a stopped one reads the file when it is started); null when
 * that went well or there was nothing to restart. */
async function restartServing(): Promise<string | null> {
    if (!hasSystemd() || !await unitActive(DNSMASQ_UNIT))
        return null;
    return restartUnit(DNSMASQ_UNIT);
}
