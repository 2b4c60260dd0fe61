// What of a call's arguments the audit log may keep: values under names that
// look like secrets (passwords, TSIG secrets, tokens, private keys) never
// enter it, however deeply they are nested in options. Long strings and long
// lists are cut, saying how long they were: a call may carry up to 32 MiB of
// arguments, and its record must not.
const SECRET_NAME = /pass(word|phrase)?|secret|token|private|credential|^key-?data$/i;
const MAX_STRING = 4096;
const MAX_ITEMS = 100;

export function redact(value: unknown, name = ""): unknown {
    if (name && SECRET_NAME.test(name))
        return "[redacted]";
    if (typeof value === "string")
        return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}… [${value.length} characters]` : value;
    if (typeof value === "bigint")
        return value.toString();
    if (Array.isArray(value)) {
        const kept = value.slice(0, MAX_ITEMS).map(v => redact(v));
        return value.length > MAX_ITEMS ? [...kept, `… [${value.length} items]`] : kept;
    }
    if (value instanceof Buffer)
        return `[${value.length} bytes]`;
    if (value && typeof value === "object")
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
    return value;
}
