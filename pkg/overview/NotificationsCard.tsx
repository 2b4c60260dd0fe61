// Where notifications go (the Alerts object's targets, live from the bus) and
// what became of each notification as Alertmanager logged it: read when the
// card shows, every minute while the page is shown, and shortly after an
// admin sends a test. Viewers see both; admins send a test.
import { useCallback, useEffect, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { alertsNotifications, alertsTestTarget, type NotificationAttempt } from "../lib/api/alerts";
import type { CallError } from "../lib/api/call";
import type { PlainAlertsNotificationTargets } from "../../generated/dbus-contract";
import { plainDicts } from "../lib/api/variants";
import { cockpit } from "../lib/cockpit";
import { showError } from "../lib/components/PageAlerts";
import { useAlerts } from "../lib/dbus-store";
import { formatTime } from "../lib/format";
import { _, format } from "../lib/gettext";
import { adminOnly, useRole } from "../lib/role";
import { TableHead } from "../lib/components/TableHead";
import { TitledCard } from "../lib/components/TitledCard";

const REFRESH_MS = 60_000;
/** Alertmanager waits for more alerts of the group (group_wait) before it sends a test */
const AFTER_TEST_MS = 15_000;
const SHOWN = 20;


const OUTCOME: Record<NotificationAttempt["Outcome"], { text: string; color: "green" | "orange" | "red" }> = {
    sent: { text: _("Sent"), color: "green" },
    retrying: { text: _("Failed, retrying"), color: "orange" },
    failed: { text: _("Failed"), color: "red" },
};

function useNotifications(): { attempts: NotificationAttempt[] | null; error: CallError | null; reload: () => void } {
    const [attempts, setAttempts] = useState<NotificationAttempt[] | null>(null);
    const [error, setError] = useState<CallError | null>(null);
    const reload = useCallback(() => {
        alertsNotifications().then(a => { setAttempts(a); setError(null) }, (e: CallError) => setError(e));
    }, []);
    useEffect(() => {
        reload();
        const timer = window.setInterval(() => { if (!cockpit.hidden) reload() }, REFRESH_MS);
        return () => window.clearInterval(timer);
    }, [reload]);
    return { attempts, error, reload };
}

export function NotificationsCard() {
    const alerts = useAlerts();
    const locked = adminOnly(useRole());
    const { attempts, error, reload } = useNotifications();
    const targets = plainDicts<PlainAlertsNotificationTargets>(alerts?.NotificationTargets ?? []);

    const sendTest = (name: string) => {
        alertsTestTarget(name).then(() => window.setTimeout(reload, AFTER_TEST_MS),
                                    (e: unknown) => showError(format(_("No test was sent to $0"), name), e));
    };

    return (
        <TitledCard title={_("Notifications")} data-testid="notifications-card">
            <Stack hasGutter>
                <StackItem>
                    {targets.length === 0
                        ? <p>{_("No notification targets: alerts are shown here only (debvisorctl alerts target-add adds one).")}</p>
                        : (
                            <Table aria-label={_("Notification targets")} variant="compact">
                                <TableHead columns={[_("Target"), _("Kind"), _("Address"), _("From severity")]} actions />
                                <Tbody>
                                    {targets.map(t => (
                                        <Tr key={t.Name} data-target={t.Name}>
                                            <Td dataLabel={_("Target")}>{t.Name}</Td>
                                            <Td dataLabel={_("Kind")}>{t.Kind === "email" ? _("E-mail") : _("Webhook")}</Td>
                                            <Td dataLabel={_("Address")}><span className="debvisor-mono">{t.Address}</span></Td>
                                            <Td dataLabel={_("From severity")}>{t.MinSeverity}</Td>
                                            <Td isActionCell>
                                                <Button variant="secondary" isAriaDisabled={Boolean(locked)} title={locked || undefined}
                                                    aria-label={format(_("Send a test to $0"), t.Name)} onClick={() => sendTest(t.Name)}>{_("Send a test")}</Button>
                                            </Td>
                                        </Tr>
                                    ))}
                                </Tbody>
                            </Table>
                        )}
                </StackItem>
                <StackItem>
                    {error
                        ? <Alert variant="warning" isInline isPlain title={_("The notifications sent cannot be read")}>{error.message}</Alert>
                        : attempts !== null && attempts.length > 0 && (
                            <Table aria-label={_("Notifications sent")} variant="compact">
                                <TableHead columns={[_("When"), _("Target"), _("Alerts"), _("Outcome")]} />
                                <Tbody>
                                    {attempts.slice(0, SHOWN).map((a, i) => (
                                        <Tr key={`${a.Time}-${a.Target}-${i}`} data-attempt={a.Target} data-outcome={a.Outcome}>
                                            <Td dataLabel={_("When")}>{formatTime(Number(a.Time))}</Td>
                                            <Td dataLabel={_("Target")}>{a.Target}</Td>
                                            <Td dataLabel={_("Alerts")}>{a.Alerts.join(", ") || "—"}</Td>
                                            <Td dataLabel={_("Outcome")}>
                                                <Label isCompact color={OUTCOME[a.Outcome].color}>{OUTCOME[a.Outcome].text}</Label>
                                                {a.Error && <div className="pf-v6-u-font-size-sm">{a.Error}</div>}
                                            </Td>
                                        </Tr>
                                    ))}
                                </Tbody>
                            </Table>
                        )}
                </StackItem>
            </Stack>
        </TitledCard>
    );
}
