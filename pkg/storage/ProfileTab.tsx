// The storage profile: the host's disks, what applying a profile would do
// (steps kept or made, disks wiped, disks refused and why), and Apply, which
// asks for the profile's name to be typed; the job shows in the jobs panel.
import { useCallback, useEffect, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { managerApplyProfile, managerGetDisks, managerPlanProfile, type Disk, type ProfilePlan, type StorageProfile } from "../lib/api/manager";
import { ActionDialog } from "../lib/components/ActionDialog";
import { JobsPanel } from "../lib/components/JobsPanel";
import { useJobs, useManager } from "../lib/dbus-store";
import { formatBytes } from "../lib/format";
import { _, format } from "../lib/gettext";
import { TableHead } from "../lib/components/TableHead";

const ROLE_COLOR: Record<string, "green" | "blue" | "orange" | "grey"> = { spare: "green", os: "blue", "in-use": "orange", unusable: "grey" };

function DisksCard({ disks }: { disks: Disk[] | null }) {
    return (
        <Card>
            <CardHeader><CardTitle>{_("Disks")}</CardTitle></CardHeader>
            <CardBody>
                {disks === null ? <span className="debvisor-muted">{_("Reading the disks…")}</span> : (
                    <Table aria-label={_("Disks")} variant="compact">
                        <TableHead columns={[_("Disk"), _("Size"), _("Model"), _("Role"), _("Why")]} />
                        <Tbody>
                            {disks.map(d => (
                                <Tr key={d.Path} data-disk={d.Path}>
                                    <Td dataLabel={_("Disk")}>{d.ById || d.Path}</Td>
                                    <Td dataLabel={_("Size")}>{formatBytes(d.Size)}</Td>
                                    <Td dataLabel={_("Model")}>{d.Model}</Td>
                                    <Td dataLabel={_("Role")}><Label isCompact color={ROLE_COLOR[d.Role] ?? "grey"}>{d.Role}</Label></Td>
                                    <Td dataLabel={_("Why")}>{d.RoleReason}</Td>
                                </Tr>
                            ))}
                        </Tbody>
                    </Table>
                )}
            </CardBody>
        </Card>
    );
}

function PlanCard({ plan }: { plan: ProfilePlan }) {
    return (
        <Stack hasGutter>
            {plan.Problems.map(p => <StackItem key={p}><Alert isInline variant="warning" title={p} /></StackItem>)}
            <StackItem>
                <Table aria-label={_("Steps")} variant="compact">
                    <TableHead columns={[_("Step"), _("State"), _("Disks")]} />
                    <Tbody>
                        {plan.Steps.map(s => (
                            <Tr key={s.Id} data-step={s.Id}>
                                <Td dataLabel={_("Step")}>{s.Description}</Td>
                                <Td dataLabel={_("State")}>
                                    <Label isCompact color={s.Exists ? "grey" : "blue"}>{s.Exists ? _("kept") : _("to do")}</Label>
                                </Td>
                                <Td dataLabel={_("Disks")}>{s.Devices.join(", ")}</Td>
                            </Tr>
                        ))}
                    </Tbody>
                </Table>
            </StackItem>
            {plan.Wipes.length > 0 && (
                <StackItem>
                    <Table aria-label={_("Disks to be wiped")} variant="compact">
                        <TableHead columns={[_("Wiped"), _("Size"), _("Model"), _("Serial"), _("Becomes")]} />
                        <Tbody>
                            {plan.Wipes.map(w => (
                                <Tr key={w.Id} data-wipe={w.Path}>
                                    <Td dataLabel={_("Wiped")}>{w.Id}</Td>
                                    <Td dataLabel={_("Size")}>{formatBytes(w.Size)}</Td>
                                    <Td dataLabel={_("Model")}>{w.Model}</Td>
                                    <Td dataLabel={_("Serial")}>{w.Serial}</Td>
                                    <Td dataLabel={_("Becomes")}>{w.Reason}</Td>
                                </Tr>
                            ))}
                        </Tbody>
                    </Table>
                </StackItem>
            )}
            {plan.Refused.length > 0 && (
                <StackItem>
                    <Table aria-label={_("Disks not used")} variant="compact">
                        <TableHead columns={[_("Not used"), _("Why")]} />
                        <Tbody>
                            {plan.Refused.map(r => (
                                <Tr key={r.Id} data-refused={r.Path}>
                                    <Td dataLabel={_("Not used")}>{r.Id}</Td>
                                    <Td dataLabel={_("Why")}>{r.Reason}</Td>
                                </Tr>
                            ))}
                        </Tbody>
                    </Table>
                </StackItem>
            )}
        </Stack>
    );
}

export function ProfileTab() {
    const manager = useManager();
    const jobs = useJobs();
    const [profile, setProfile] = useState<StorageProfile>("zfs");
    const [disks, setDisks] = useState<Disk[] | null>(null);
    const [plan, setPlan] = useState<ProfilePlan | null>(null);
    const [error, setError] = useState("");
    const [confirming, setConfirming] = useState(false);
    const running = jobs.some(j => j.props.Operation === "storage-profile" && j.props.State === "running");

    const reload = useCallback(() => {
        setError("");
        setPlan(null);
        managerGetDisks().then(setDisks, (e: Error) => setError(e.message));
        managerPlanProfile(profile).then(setPlan, (e: Error) => setError(e.message));
    }, [profile]);
    // a new plan when the profile is chosen, and when a profile job ends
    useEffect(reload, [reload, running]);

    const done = plan !== null && plan.Steps.every(s => s.Exists);
    const applicable = plan !== null && !done && plan.Problems.length === 0 && !running;
    return (
        <Stack hasGutter className="pf-v6-u-pt-md">
            <StackItem data-profile={manager?.Profile ?? ""}>
                {format(_("This host's storage profile: $0"), manager?.Profile ?? "…")}
            </StackItem>
            <StackItem><DisksCard disks={disks} /></StackItem>
            <StackItem>
                <Card>
                    <CardHeader actions={{
                        actions: (
                            <>
                                <FormSelect id="profile-choice" aria-label={_("Profile")} value={profile}
                                    onChange={(_e, v) => setProfile(v as StorageProfile)}>
                                    <FormSelectOption value="zfs" label={_("zfs: one ZFS pool from the spare disks")} />
                                    <FormSelectOption value="ceph" label={_("ceph: a single-node Ceph cluster, one OSD per spare disk")} />
                                    <FormSelectOption value="mixed" label={_("mixed: half the spare disks to ZFS, half to Ceph")} />
                                </FormSelect>
                                <Button variant="danger" isDisabled={!applicable} onClick={() => setConfirming(true)}>{_("Apply")}</Button>
                            </>
                        ),
                    }}>
                        <CardTitle>{_("Plan")}</CardTitle>
                    </CardHeader>
                    <CardBody>
                        {error && <Alert isInline variant="danger" title={_("That did not work")}>{error}</Alert>}
                        {done && <Alert isInline variant="success" title={format(_("The profile $0 is applied: nothing to do."), profile)} />}
                        {plan === null && !error ? <span className="debvisor-muted">{_("Planning…")}</span> : plan && <PlanCard plan={plan} />}
                    </CardBody>
                </Card>
            </StackItem>
            <StackItem><JobsPanel /></StackItem>
            {confirming && plan && (
                <ActionDialog title={format(_("Apply the storage profile $0"), profile)} danger confirm={_("Apply")}
                    field={{ label: format(_("Type $0 to confirm"), profile), check: v => v === profile ? null : format(_("Type $0"), profile) }}
                    run={() => managerApplyProfile(profile, plan.Token)} onClose={() => setConfirming(false)}>
                    <p>{plan.Wipes.length > 0
                        ? format(_("Everything on these disks is lost: $0."), plan.Wipes.map(w => w.Id).join(", "))
                        : _("No disk is wiped.")}</p>
                </ActionDialog>
            )}
        </Stack>
    );
}
