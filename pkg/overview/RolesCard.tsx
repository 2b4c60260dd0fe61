// Who holds which DebVisor role (the groups debvisor-admin, -operator and
// -viewer), live from the Manager's RoleMembers; an admin adds a user to a
// role or removes one (asked first). The daemon checks the name again, that
// the user exists, and never removes the last admin.
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Label, LabelGroup } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { roleGroup, ROLES, userNameProblem, type RoleName } from "../../helpers/lib/roles";
import { managerAddRoleMember, managerRemoveRoleMember } from "../lib/api/manager";
import { ActionDialog } from "../lib/components/ActionDialog";
import type { PageManagerProperties } from "../../generated/dbus-contract";
import { adminOnly, useRole } from "../lib/role";
import { _, format } from "../lib/gettext";
import { TableHead } from "../lib/components/TableHead";

export function RolesCard({ manager }: { manager: PageManagerProperties }) {
    const locked = adminOnly(useRole());
    const [adding, setAdding] = useState<RoleName | null>(null);
    const [removing, setRemoving] = useState<{ user: string; role: RoleName } | null>(null);
    const members = (role: RoleName) => manager.RoleMembers[role] ?? [];
    return (
        <Card id="roles">
            <CardTitle>{_("Roles")}</CardTitle>
            <CardBody>
                <p className="pf-v6-u-mb-sm">{_("A new role applies from the user's next login.")}</p>
                <Table aria-label={_("Roles")} variant="compact">
                    <TableHead columns={[_("Role"), _("Members")]} actions />
                    <Tbody>
                        {ROLES.map(role => (
                            <Tr key={role} data-role={role}>
                                <Td dataLabel={_("Role")}><span className="debvisor-mono">{roleGroup(role)}</span></Td>
                                <Td dataLabel={_("Members")}>
                                    {members(role).length === 0 ? "—" : (
                                        <LabelGroup numLabels={20}>
                                            {members(role).map(user => (
                                                <Label key={user} data-member={user} isCompact
                                                    onClose={locked ? undefined : () => setRemoving({ user, role })}
                                                    closeBtnAriaLabel={format(_("Remove $0 from $1?"), user, roleGroup(role))}>{user}</Label>
                                            ))}
                                        </LabelGroup>
                                    )}
                                </Td>
                                <Td isActionCell>
                                    <Button variant="secondary" isAriaDisabled={Boolean(locked)} title={locked || undefined}
                                        aria-label={format(_("Add a user to $0"), roleGroup(role))} onClick={() => setAdding(role)}>{_("Add…")}</Button>
                                </Td>
                            </Tr>
                        ))}
                    </Tbody>
                </Table>
            </CardBody>
            {adding && (
                <ActionDialog title={format(_("Add a user to $0"), roleGroup(adding))} confirm={_("Add")} onClose={() => setAdding(null)}
                    field={{ label: _("User"), check: v => userNameProblem(v) === null ? null : _("Lower-case letters, digits, \"_\", \"-\", \".\"; a letter or \"_\" first.") }}
                    run={user => managerAddRoleMember(user, adding)} />
            )}
            {removing && (
                <ActionDialog title={format(_("Remove $0 from $1?"), removing.user, roleGroup(removing.role))} confirm={_("Remove")} danger
                    onClose={() => setRemoving(null)} run={() => managerRemoveRoleMember(removing.user, removing.role)} />
            )}
        </Card>
    );
}
