// fail2ban: whether it runs, its jails and their banned addresses, and
// lifting a ban.
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { fail2banUnban, type Fail2banState } from "../lib/api/hardening";
import { ActionDialog } from "../lib/components/ActionDialog";
import { _, format } from "../lib/gettext";
import { TitledCard } from "../lib/components/TitledCard";

export function Fail2banCard({ f2b }: { f2b: Fail2banState }) {
    const [unban, setUnban] = useState<{ jail: string; address: string } | null>(null);
    return (
        <TitledCard title={_("fail2ban")} aria-label={_("fail2ban")}>
            {!f2b.Installed && <p className="debvisor-muted">{_("fail2ban is not installed.")}</p>}
            {f2b.Installed && !f2b.Running && <p className="debvisor-muted">{format(_("fail2ban is not running. $0"), f2b.Detail)}</p>}
            {f2b.Running && f2b.Jails.length === 0 && <p className="debvisor-muted">{_("fail2ban runs without jails.")}</p>}
            {f2b.Jails.map(j => (
                <div key={j.Name} aria-label={format(_("Jail $0"), j.Name)}>
                    <strong>{j.Name}</strong>{": "}
                    {j.Banned.length === 0 ? _("no address banned") : j.Banned.map(a => (
                        <span key={a} className="debvisor-mono">{a}{" "}
                            <Button variant="link" isInline aria-label={format(_("Unban $0"), a)} onClick={() => setUnban({ jail: j.Name, address: a })}>{_("unban")}</Button>{" "}
                        </span>
                    ))}
                </div>
            ))}
            {unban && (
                <ActionDialog title={format(_("Unban $0?"), unban.address)} confirm={_("Unban")}
                    run={() => fail2banUnban(unban.jail, unban.address)} onClose={() => setUnban(null)}>
                    <p>{format(_("fail2ban's jail $0 lets $1 in again (until it fails again)."), unban.jail, unban.address)}</p>
                </ActionDialog>
            )}
        </TitledCard>
    );
}
