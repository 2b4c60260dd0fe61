// Create a virtual machine: blank disk, installer ISO, disk image or cloud
// image with cloud-init. Every field is checked as it is typed with the same
// rules the daemon applies; the daemon's own refusal is shown at the top.
import { useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Checkbox } from "@patternfly/react-core/dist/esm/components/Checkbox/index.js";
import { Form, FormGroup, FormHelperText, FormSection } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { HelperText, HelperTextItem } from "@patternfly/react-core/dist/esm/components/HelperText/index.js";
import { Modal, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core/dist/esm/components/Modal/index.js";
import { TextArea } from "@patternfly/react-core/dist/esm/components/TextArea/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { machineCreate, type CreateRequest } from "../lib/api/machines";
import { _ } from "../lib/gettext";
import { OS_CHOICES } from "./os-choices";
import { checkHostname, checkMachineName, checkNetwork, checkPath, checkSshKey, checkUser } from "./machine-rules";
import { useSubmit } from "../lib/use-submit";

const GIB = 1024 ** 3;
type Source = CreateRequest["source"];

function Field({ id, label, error, help, children, required }: {
    id: string; label: string; error?: string | null; help?: string; required?: boolean; children: React.ReactNode;
}) {
    return (
        <FormGroup label={label} fieldId={id} isRequired={required}>
            {children}
            {(error || help) && (
                <FormHelperText>
                    <HelperText><HelperTextItem variant={error ? "error" : "default"} id={`${id}-helper`}>{error || help}</HelperTextItem></HelperText>
                </FormHelperText>
            )}
        </FormGroup>
    );
}

export function CreateDialog({ existingNames, onClose, onCreated }: {
    existingNames: string[]; onClose: () => void; onCreated: (name: string) => void;
}) {
    const [name, setName] = useState("");
    const [source, setSource] = useState<Source>("iso");
    const [file, setFile] = useState("");
    const [diskGiB, setDiskGiB] = useState("10");
    const [vcpus, setVcpus] = useState("1");
    const [memory, setMemory] = useState("1024");
    const [os, setOs] = useState("");
    const [network, setNetwork] = useState("");
    const [start, setStart] = useState(true);
    const [ciUser, setCiUser] = useState("");
    const [ciPassword, setCiPassword] = useState("");
    const [ciKey, setCiKey] = useState("");
    const [ciHost, setCiHost] = useState("");
    const [touched, setTouched] = useState<Record<string, boolean>>({});
    const { error, busy, run } = useSubmit();

    const touch = (field: string) => setTouched(t => t[field] ? t : { ...t, [field]: true });
    const errors: Record<string, string | null> = {
        name: checkMachineName(name, existingNames),
        file: source === "empty" ? null : checkPath(file),
        disk: source !== "image" && !(Number(diskGiB) > 0) ? _("Give the disk size in GiB, more than 0") : null,
        vcpus: /^\d+$/.test(vcpus) && Number(vcpus) >= 1 && Number(vcpus) <= 256 ? null : _("From 1 to 256"),
        memory: /^\d+$/.test(memory) && Number(memory) >= 16 ? null : _("At least 16 MiB"),
        network: checkNetwork(network, true),
        ciUser: source === "cloud-image" && ciUser ? checkUser(ciUser) : null,
        ciPassword: source === "cloud-image" && ciPassword && !ciUser ? _("Give the user it belongs to") : null,
        ciKey: source === "cloud-image" && ciKey ? (ciUser ? checkSshKey(ciKey) : _("Give the user it belongs to")) : null,
        ciHost: source === "cloud-image" && ciHost ? checkHostname(ciHost) : null,
    };
    const valid = Object.values(errors).every(e => !e);
    const shown = (field: string) => touched[field] ? errors[field] : null;

    const create = () => {
        setTouched(Object.fromEntries(Object.keys(errors).map(k => [k, true])));
        if (!valid)
            return;
        run(() => machineCreate({
            name, source,
            iso: source === "iso" ? file : undefined,
            image: source === "image" || source === "cloud-image" ? file : undefined,
            diskBytes: source === "image" && !Number(diskGiB) ? undefined : Math.round(Number(diskGiB) * GIB),
            vcpus: Number(vcpus), memoryMiB: Number(memory), os: os || undefined, network: network || undefined, start,
            cloudInit: source === "cloud-image" ? { user: ciUser || undefined, password: ciPassword || undefined, sshKey: ciKey.trim() || undefined, hostname: ciHost || undefined } : undefined,
        }), () => onCreated(name));
    };

    return (
        <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="create-title">
            <ModalHeader labelId="create-title" title={_("Create a virtual machine")} />
            <ModalBody>
                {error && <Alert isInline variant="danger" title={_("The machine was not created")} className="pf-v6-u-mb-md">{error}</Alert>}
                <Form id="create-form" onSubmit={e => { e.preventDefault(); create() }}>
                    <Field id="vm-name" label={_("Name")} required error={shown("name")}>
                        <TextInput id="vm-name" value={name} onChange={(_e, v) => { setName(v); touch("name") }} onBlur={() => touch("name")}
                            validated={shown("name") ? "error" : "default"} aria-describedby="vm-name-helper" />
                    </Field>
                    <Field id="vm-source" label={_("Installation")}>
                        <FormSelect id="vm-source" value={source} onChange={(_e, v) => setSource(v as Source)}>
                            <FormSelectOption value="iso" label={_("Installer ISO")} />
                            <FormSelectOption value="image" label={_("Existing disk image (qcow2, raw, vmdk, vdi …)")} />
                            <FormSelectOption value="cloud-image" label={_("Cloud image with cloud-init")} />
                            <FormSelectOption value="empty" label={_("Blank disk, install later")} />
                        </FormSelect>
                    </Field>
                    {source !== "empty" && (
                        <Field id="vm-file" label={source === "iso" ? _("ISO file on the host") : _("Image file on the host")} required
                            error={shown("file")} help={source === "iso" ? undefined : _("Converted to qcow2 in the VM storage pool, with progress in Jobs")}>
                            <TextInput id="vm-file" value={file} placeholder="/srv/isos/debian-12.iso" onChange={(_e, v) => { setFile(v); touch("file") }}
                                onBlur={() => touch("file")} validated={shown("file") ? "error" : "default"} />
                        </Field>
                    )}
                    <Field id="vm-os" label={_("Operating system")}>
                        <FormSelect id="vm-os" value={os} onChange={(_e, v) => setOs(v)}>
                            <FormSelectOption value="" label={_("Not specified")} />
                            {OS_CHOICES.map(c => <FormSelectOption key={c.id} value={c.id} label={c.name} />)}
                        </FormSelect>
                    </Field>
                    <Field id="vm-disk" label={source === "image" ? _("Grow the disk to (GiB, optional)") : _("Disk size (GiB)")} error={shown("disk")}>
                        <TextInput id="vm-disk" type="number" value={diskGiB} onChange={(_e, v) => { setDiskGiB(v); touch("disk") }} validated={shown("disk") ? "error" : "default"} />
                    </Field>
                    <Field id="vm-vcpus" label={_("Virtual CPUs")} error={shown("vcpus")}>
                        <TextInput id="vm-vcpus" type="number" value={vcpus} onChange={(_e, v) => { setVcpus(v); touch("vcpus") }} validated={shown("vcpus") ? "error" : "default"} />
                    </Field>
                    <Field id="vm-memory" label={_("Memory (MiB)")} error={shown("memory")}>
                        <TextInput id="vm-memory" type="number" value={memory} onChange={(_e, v) => { setMemory(v); touch("memory") }} validated={shown("memory") ? "error" : "default"} />
                    </Field>
                    <Field id="vm-network" label={_("Network")} error={shown("network")} help={_("Empty: the bridge br0 when the host has one, else libvirt's network \"default\"")}>
                        <TextInput id="vm-network" value={network} placeholder="bridge:br0 | network:default | none"
                            onChange={(_e, v) => { setNetwork(v); touch("network") }} validated={shown("network") ? "error" : "default"} />
                    </Field>
                    {source === "cloud-image" && (
                        <FormSection title={_("cloud-init")}>
                            <Field id="ci-host" label={_("Host name")} error={shown("ciHost")} help={_("Empty: the machine's name")}>
                                <TextInput id="ci-host" value={ciHost} onChange={(_e, v) => { setCiHost(v); touch("ciHost") }} validated={shown("ciHost") ? "error" : "default"} />
                            </Field>
                            <Field id="ci-user" label={_("User")} error={shown("ciUser")}>
                                <TextInput id="ci-user" value={ciUser} onChange={(_e, v) => { setCiUser(v); touch("ciUser") }} validated={shown("ciUser") ? "error" : "default"} />
                            </Field>
                            <Field id="ci-password" label={_("Password")} error={shown("ciPassword")} help={_("Stored in the guest's seed only as a hash")}>
                                <TextInput id="ci-password" type="password" value={ciPassword} onChange={(_e, v) => { setCiPassword(v); touch("ciPassword") }} />
                            </Field>
                            <Field id="ci-key" label={_("SSH public key")} error={shown("ciKey")}>
                                <TextArea id="ci-key" value={ciKey} onChange={(_e, v) => { setCiKey(v); touch("ciKey") }} validated={shown("ciKey") ? "error" : "default"} rows={2} />
                            </Field>
                        </FormSection>
                    )}
                    <Checkbox id="vm-start" label={_("Start the machine once it is created")} isChecked={start} onChange={(_e, v) => setStart(v)} />
                </Form>
            </ModalBody>
            <ModalFooter>
                <Button variant="primary" type="submit" form="create-form" isLoading={busy} isDisabled={busy || (!valid && Object.keys(touched).length > 0)}>{_("Create")}</Button>
                <Button variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Modal>
    );
}
