// Block or allow one or more entries, or add them to the management set:
// checked as they are typed, with the same rules debvisord applies (syntax,
// host bits, overlaps, what the allow list overrides, special ranges).
// debvisord's guards (this host's addresses and gateways, loopback, the
// management set, admin sessions, the widest block) answer on submit; a
// refusal is shown at the top with each reason, and goes ahead only when the
// person types each refused entry again.
import { useMemo, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Form, FormGroup, FormHelperText } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { HelperText, HelperTextItem } from "@patternfly/react-core/dist/esm/components/HelperText/index.js";
import { Modal, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core/dist/esm/components/Modal/index.js";
import { TextArea } from "@patternfly/react-core/dist/esm/components/TextArea/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { parseNet, type Net } from "../../helpers/lib/cidr";
import { checkAdditions, describe, parseList } from "../../helpers/lib/firewall-validation";
import type { CallError } from "../lib/api/call";
import { firewallAdd, refusalsOf, type FirewallEntry, type ListName } from "../lib/api/firewall";
import { _ } from "../lib/gettext";
import { confirmedForce, ForcePrompt } from "./ForcePrompt";

export const EXPIRIES: Array<[number, () => string]> = [
    [0, () => _("Never")], [3600, () => _("In 1 hour")], [86400, () => _("In 1 day")],
    [7 * 86400, () => _("In 7 days")], [30 * 86400, () => _("In 30 days")],
];

function nets(entries: FirewallEntry[]): Net[] {
    return entries.map(e => parseNet(e.cidr)).flatMap(p => p.ok ? [p.net] : []);
}

const TITLES: Record<ListName, () => string> = {
    block: () => _("Block addresses"), allow: () => _("Allow addresses"), management: () => _("Add to the management set"),
};
const SUBMIT: Record<ListName, () => string> = { block: () => _("Block"), allow: () => _("Allow"), management: () => _("Add") };

export function AddEntriesDialog({ list, blocked, allowed, management = [], onClose }: {
    list: ListName; blocked: FirewallEntry[]; allowed: FirewallEntry[]; management?: FirewallEntry[]; onClose(): void;
}) {
    const [text, setText] = useState("");
    const [comment, setComment] = useState("");
    const [expiry, setExpiry] = useState(0);
    const [refusals, setRefusals] = useState<Map<string, string[]>>(new Map());
    const [typed, setTyped] = useState<Record<string, string>>({});
    const [error, setError] = useState("");
    const [busy, setBusy] = useState(false);
    const current = useMemo(() => ({ block: nets(blocked), allow: nets(allowed), management: nets(management) }), [blocked, allowed, management]);
    const entries = parseList(text).entries;
    const report = checkAdditions(list, entries.map(e => ({ text: e.text })), current);
    const problems = [...report.errors.map(describe), ...(comment.length > 256 ? [_("The comment is longer than 256 characters.")] : [])];
    const force = confirmedForce(refusals, typed);
    const ready = entries.length > 0 && problems.length === 0 && report.accepted.length > 0 && force !== null;

    const changeText = (v: string) => {
        setText(v);
        setRefusals(new Map());
        setTyped({});
    };
    const submit = () => {
        setBusy(true);
        setError("");
        firewallAdd(list, report.accepted.map(n => n.text), { comment, expiry, force: force ?? [] })
            .then(onClose, (e: CallError) => {
                const refused = refusalsOf(e.message);
                // more refused than before (or a different reason): ask again; anything else is shown as it is
                if (refused.size > 0 && [...refused.keys()].some(k => !refusals.has(k))) {
                    setRefusals(new Map([...refusals, ...refused]));
                } else {
                    setError(e.message);
                }
                setBusy(false);
            });
    };
    const title = TITLES[list]();
    return (
        <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="fw-add-title">
            <ModalHeader labelId="fw-add-title" title={title} />
            <ModalBody>
                {error && <Alert isInline variant="danger" title={_("That did not work")} className="pf-v6-u-mb-md">{error}</Alert>}
                {refusals.size > 0 && (
                    <ForcePrompt title={_("Refused: this could cut the host off or lock an admin out")} refusals={refusals} typed={typed} onChange={setTyped} />
                )}
                <Form id="fw-add-form" onSubmit={e => { e.preventDefault(); if (ready) submit() }}>
                    <FormGroup label={_("Addresses, prefixes or ranges")} fieldId="fw-entries" isRequired>
                        <TextArea id="fw-entries" value={text} autoFocus resizeOrientation="vertical" rows={3}
                            validated={problems.length > 0 ? "error" : "default"}
                            placeholder="192.0.2.0/24, 2001:db8::/32, 198.51.100.10-198.51.100.20"
                            onChange={(_e, v) => changeText(v)} />
                        <FormHelperText>
                            <HelperText aria-label={_("Check")}>
                                {problems.map(p => <HelperTextItem key={p} variant="error">{p}</HelperTextItem>)}
                                {report.warnings.map(w => <HelperTextItem key={describe(w)} variant="warning">{describe(w)}</HelperTextItem>)}
                                {report.skipped.map(s => <HelperTextItem key={describe(s)} variant="indeterminate">{describe(s)}</HelperTextItem>)}
                                {entries.length === 0 && <HelperTextItem>{_("IPv4 or IPv6, one or more, separated by spaces, commas or lines.")}</HelperTextItem>}
                            </HelperText>
                        </FormHelperText>
                    </FormGroup>
                    <FormGroup label={_("Why")} fieldId="fw-comment">
                        <TextInput id="fw-comment" value={comment} onChange={(_e, v) => setComment(v)} />
                    </FormGroup>
                    {list !== "management" && (
                        <FormGroup label={_("Remove")} fieldId="fw-expiry">
                            <FormSelect id="fw-expiry" value={String(expiry)} onChange={(_e, v) => setExpiry(Number(v))}>
                                {EXPIRIES.map(([s, label]) => <FormSelectOption key={s} value={String(s)} label={label()} />)}
                            </FormSelect>
                        </FormGroup>
                    )}
                </Form>
            </ModalBody>
            <ModalFooter>
                <Button variant="primary" onClick={submit} isLoading={busy} isDisabled={busy || !ready}>
                    {refusals.size > 0 ? _("Block anyway") : SUBMIT[list]()}
                </Button>
                <Button variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Modal>
    );
}
