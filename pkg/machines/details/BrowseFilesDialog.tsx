// Browse the files of a disk of a backup and download one: the daemon reads
// the backed-up disk (never mounting it); directories open in place, a file
// downloads through a Blob made of the pieces ReadFile hands out.
import { useEffect, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { Modal, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core/dist/esm/components/Modal/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { backupRepositoryListFiles, backupRepositoryReadFile, type BackupEntry, type BackupFileEntry } from "../../lib/api/backups";
import type { CallError } from "../../lib/api/call";
import type { MachineObject } from "../../lib/dbus-store";
import { formatBytes } from "../../lib/format";
import { format, _ } from "../../lib/gettext";
import { diskTargets } from "./RestoreDiskDialog";
import { TableHead } from "../../lib/components/TableHead";

const TYPE: Record<string, () => string> = {
    directory: () => _("Directory"), file: () => _("File"), link: () => _("Link"), other: () => _("Other"), partition: () => _("Partition"),
};

/* Hands a Blob to the browser as a download named `name`. */
function saveBlob(blob: Blob, name: string): void {
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function BrowseFilesDialog({ machine, repositoryPath, backup, when, onClose }: {
    machine: MachineObject; repositoryPath: string; backup: BackupEntry; when: string; onClose(): void;
}) {
    const targets = diskTargets(machine);
    const [disk, setDisk] = useState(targets[0] ?? "vda");
    const [path, setPath] = useState("/");
    const [entries, setEntries] = useState<BackupFileEntry[] | null>(null);
    const [error, setError] = useState("");
    const [downloading, setDownloading] = useState("");
    useEffect(() => {
        let current = true;
        setEntries(null);
        setError("");
        backupRepositoryListFiles(repositoryPath, backup.FullId, disk, path).then(
            list => { if (current) setEntries(list) },
            (e: CallError) => { if (current) { setError(e.message); setEntries([]) } });
        return () => { current = false };
    }, [repositoryPath, backup.FullId, disk, path]);
    const open = (name: string) => setPath(`${path}${name}/`);
    const up = () => setPath(path.replace(/[^/]*\/$/, "") || "/");
    const download = (e: BackupFileEntry) => {
        setDownloading(e.Name);
        setError("");
        backupRepositoryReadFile(repositoryPath, backup.FullId, disk, path + e.Name).then(
            blob => saveBlob(blob, e.Name), (err: CallError) => setError(err.message)).finally(() => setDownloading(""));
    };
    return (
        <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="browse-files-title" id="browse-files">
            <ModalHeader labelId="browse-files-title" title={format(_("Files of $0 in the backup of $1"), machine.props.Name, when)} />
            <ModalBody>
                {error && <Alert isInline variant="danger" title={_("That did not work")} className="pf-v6-u-mb-md">{error}</Alert>}
                <FormGroup label={_("Disk")} fieldId="browse-files-disk">
                    <FormSelect id="browse-files-disk" value={disk} onChange={(_e, v) => { setDisk(v); setPath("/") }}>
                        {targets.map(t => <FormSelectOption key={t} value={t} label={t} />)}
                    </FormSelect>
                </FormGroup>
                <p className="pf-v6-u-my-sm">
                    <Button variant="link" isInline id="browse-files-up" isDisabled={path === "/"} onClick={up}>{_("Up")}</Button>{" "}
                    <code id="browse-files-path">{path}</code>
                </p>
                {entries === null
                    ? <Spinner size="lg" aria-label={_("Reading the disk of the backup")} />
                    : (
                        <Table aria-label={_("Files")} variant="compact">
                            <TableHead columns={[_("Name"), _("Type"), _("Size")]} actions />
                            <Tbody>
                                {entries.map(e => (
                                    <Tr key={e.Name} data-file={e.Name} data-type={e.Type}>
                                        <Td className="debvisor-file-name">
                                            {e.Type === "directory" || e.Type === "partition"
                                                ? <Button variant="link" isInline onClick={() => open(e.Name)}>{e.Name}</Button>
                                                : e.Name}
                                        </Td>
                                        <Td>{(TYPE[e.Type] ?? (() => e.Type))()}{e.FsType !== undefined ? ` (${e.FsType || _("unknown")})` : ""}</Td>
                                        <Td>{e.Type === "directory" ? "—" : formatBytes(e.Size)}</Td>
                                        <Td isActionCell>
                                            {e.Type === "file" && (
                                                <Button variant="secondary" size="sm" isLoading={downloading === e.Name} isDisabled={downloading !== ""}
                                                    onClick={() => download(e)}>{_("Download")}</Button>
                                            )}
                                        </Td>
                                    </Tr>
                                ))}
                            </Tbody>
                        </Table>
                    )}
                <p className="debvisor-muted">{_("The backed-up disk is read as it is stored, never mounted; ext2, ext3 and ext4 file systems can be browsed, files up to 64 MiB downloaded.")}</p>
            </ModalBody>
            <ModalFooter>
                <Button variant="link" onClick={onClose}>{_("Close")}</Button>
            </ModalFooter>
        </Modal>
    );
}
