// Import an exported pool: search a device directory for pools zpool can
// import, then import one. The search runs again when the directory changes,
// so what is listed is what the host sees now.
import { useEffect, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Form, FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { Modal, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core/dist/esm/components/Modal/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { zfsImportablePools, zfsImportPool, type ZfsImportable } from "../../lib/api/zfs";
import { _, format } from "../../lib/gettext";
import { HealthLabel } from "./HealthLabel";
import { TableHead } from "../../lib/components/TableHead";

export function ImportPoolDialog({ onClose }: { onClose(): void }) {
    const [directory, setDirectory] = useState("");
    const [searched, setSearched] = useState<string | null>(null);
    const [pools, setPools] = useState<ZfsImportable[] | null>(null);
    const [error, setError] = useState("");
    const [importing, setImporting] = useState<string | null>(null);

    const search = (dir: string) => {
        setSearched(dir);
        setPools(null);
        setError("");
        zfsImportablePools(dir).then(setPools, (e: Error) => { setPools([]); setError(e.message) });
    };
    useEffect(() => search(""), []);

    const importPool = (name: string) => {
        setImporting(name);
        setError("");
        zfsImportPool(name, searched ?? "").then(onClose, (e: Error) => { setError(e.message); setImporting(null) });
    };

    return (
        <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="import-pool-title">
            <ModalHeader labelId="import-pool-title" title={_("Import pool")} />
            <ModalBody>
                {error && <Alert isInline variant="danger" title={_("That did not work")} className="pf-v6-u-mb-md">{error}</Alert>}
                <Form id="import-pool-search" onSubmit={e => { e.preventDefault(); search(directory.trim()) }}>
                    <FormGroup label={_("Search in")} fieldId="import-directory">
                        <TextInput id="import-directory" value={directory} placeholder={_("All disks")}
                            onChange={(_e, v) => setDirectory(v)} />
                        <p className="debvisor-muted">{_("Leave empty to search every disk, or name a directory such as /dev/disk/by-id.")}</p>
                    </FormGroup>
                    <Button variant="secondary" type="submit">{_("Search")}</Button>
                </Form>
                {pools === null && <p className="debvisor-muted pf-v6-u-mt-md">{_("Searching for pools…")}</p>}
                {pools !== null && pools.length === 0 && !error &&
                    <p className="debvisor-muted pf-v6-u-mt-md">{searched ? format(_("No pool to import in $0."), searched) : _("No pool to import.")}</p>}
                {pools !== null && pools.length > 0 && (
                    <Table aria-label={_("Pools that can be imported")} variant="compact" className="pf-v6-u-mt-md">
                        <TableHead columns={[_("Pool"), _("Id"), _("State")]} actions />
                        <Tbody>
                            {pools.map(p => (
                                <Tr key={p.Id} data-importable={p.Name}>
                                    <Td className="debvisor-mono">{p.Name}</Td>
                                    <Td className="debvisor-mono">{p.Id}</Td>
                                    <Td><HealthLabel state={p.State} /></Td>
                                    <Td isActionCell>
                                        <Button variant="primary" isLoading={importing === p.Name} isDisabled={importing !== null}
                                            onClick={() => importPool(p.Name)}>{_("Import")}</Button>
                                    </Td>
                                </Tr>
                            ))}
                        </Tbody>
                    </Table>
                )}
            </ModalBody>
            <ModalFooter>
                <Button variant="link" onClick={onClose}>{_("Close")}</Button>
            </ModalFooter>
        </Modal>
    );
}
