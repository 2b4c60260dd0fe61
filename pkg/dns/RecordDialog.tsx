// Add or edit one record, checked as it is typed with the grammar debvisord
// applies. A new record joins its set; an edit that keeps name and type
// rewrites the set in one update; one that changes them writes the new
// record, then deletes the old.
import { useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Checkbox } from "@patternfly/react-core/dist/esm/components/Checkbox/index.js";
import { Form, FormGroup, FormHelperText } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { HelperText, HelperTextItem } from "@patternfly/react-core/dist/esm/components/HelperText/index.js";
import { Modal, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core/dist/esm/components/Modal/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { parseRecord, RECORD_TYPES, txtText } from "../../helpers/lib/dns-grammar";
import { dnsDeleteRecords, dnsListRecords, dnsUpsertRecords, type DnsRecordTuple } from "../lib/api/dns";
import { _ } from "../lib/gettext";
import { useSubmit } from "../lib/use-submit";

const EXAMPLES: Record<string, string> = {
    A: "10.0.0.5", AAAA: "2001:db8::5", PTR: "host.example.org", CNAME: "www", TXT: "any text",
    SRV: "10 5 5060 sip", MX: "10 mail",
};

/* The data of a listed record as the dialog shows it (TXT without its quoting, names without the final dot). */
function editable(type: string, data: string): string {
    return type === "TXT" ? txtText(data) : data.replace(/\.$/, "");
}

/* A listed record (data as dig prints it) in the form the bus takes it back. */
export function asInput(r: DnsRecordTuple): DnsRecordTuple {
    return [`${r[0]}.`, r[1], r[2], editable(r[1], r[3])];
}

export function RecordDialog({ zone, existing, canPtr, onClose }: {
    zone: string; existing: DnsRecordTuple | null; canPtr: boolean; onClose(): void;
}) {
    const relative = (name: string) => name === zone ? "@" : name.endsWith(`.${zone}`) ? name.slice(0, -zone.length - 1) : `${name}.`;
    const [name, setName] = useState(existing ? relative(existing[0]) : "");
    const [type, setType] = useState(existing?.[1] ?? "A");
    const [ttl, setTtl] = useState(String(existing?.[2] ?? 300));
    const [data, setData] = useState(existing ? editable(existing[1], existing[3]) : "");
    const [ptr, setPtr] = useState(false);
    const [touched, setTouched] = useState(false);
    const { error, busy, run } = useSubmit();

    let problem = "";
    if (!/^\d+$/.test(ttl))
        problem = _("The TTL is a whole number of seconds.");
    else
        try {
            parseRecord([name, type, Number(ttl), data], zone, 0);
        } catch (e) {
            problem = (e as Error).message.replace(/^records\[0\]( \([^)]*\))?: /, "");
        }

    const save = async () => {
        const record: DnsRecordTuple = [name, type, Number(ttl), data];
        if (!existing)
            return dnsUpsertRecords(zone, [record], ptr, true);
        if (relative(existing[0]) === name && existing[1] === type) {
            const set = (await dnsListRecords(zone, 0, 10_000, { name: existing[0], type })).records
                .filter(r => r[0] === existing[0] && r[3] !== existing[3]);
            // the set's other records, as they are, keep the edited record's TTL: a set has one TTL
            return dnsUpsertRecords(zone, [...set.map(r => [...asInput(r).slice(0, 2), Number(ttl), asInput(r)[3]] as DnsRecordTuple), record], ptr);
        }
        await dnsUpsertRecords(zone, [record], ptr, true);
        await dnsDeleteRecords(zone, [asInput(existing)], false);
    };

    const submit = () => {
        setTouched(true);
        if (problem)
            return;
        run(() => save(), onClose);
    };

    return (
        <Modal isOpen variant="small" onClose={onClose} aria-labelledby="record-title">
            <ModalHeader labelId="record-title" title={existing ? _("Edit record") : _("Add record")} />
            <ModalBody>
                {error && <Alert isInline variant="danger" title={_("The server did not take it")} className="pf-v6-u-mb-md">{error}</Alert>}
                <Form id="record-form" onSubmit={e => { e.preventDefault(); submit() }}>
                    <FormGroup label={_("Name")} fieldId="record-name">
                        <TextInput id="record-name" value={name} placeholder={_("www, or @ for the zone itself")} onChange={(_e, v) => { setName(v); setTouched(true) }} />
                    </FormGroup>
                    <FormGroup label={_("Type")} fieldId="record-type">
                        <FormSelect id="record-type" value={type} onChange={(_e, v) => setType(v)}>
                            {RECORD_TYPES.map(t => <FormSelectOption key={t} value={t} label={t} />)}
                        </FormSelect>
                    </FormGroup>
                    <FormGroup label={_("Data")} fieldId="record-data">
                        <TextInput id="record-data" value={data} placeholder={EXAMPLES[type]} onChange={(_e, v) => { setData(v); setTouched(true) }} />
                    </FormGroup>
                    <FormGroup label={_("TTL (seconds)")} fieldId="record-ttl">
                        <TextInput id="record-ttl" value={ttl} onChange={(_e, v) => setTtl(v)} />
                    </FormGroup>
                    {canPtr && (type === "A" || type === "AAAA") && (
                        <Checkbox id="record-ptr" isChecked={ptr} onChange={(_e, v) => setPtr(v)} label={_("Write the PTR record too")} />
                    )}
                    {touched && problem && (
                        <FormHelperText><HelperText><HelperTextItem variant="error" id="record-problem">{problem}</HelperTextItem></HelperText></FormHelperText>
                    )}
                </Form>
            </ModalBody>
            <ModalFooter>
                <Button variant="primary" onClick={submit} isLoading={busy} isDisabled={busy || (touched && Boolean(problem))}>{_("Save")}</Button>
                <Button variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Modal>
    );
}
