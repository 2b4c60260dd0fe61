// Names in D-Bus object paths: an element may hold only [A-Za-z0-9_], so any
// other byte is written as "_" and two hex digits (as systemd does), which
// keeps every name distinct and readable: "lab.example.org" → "lab_2eexample_2eorg".
export function escapePathElement(name: string): string {
    if (name === "")
        return "_";
    return [...Buffer.from(name, "utf8")].map(b => {
        const c = String.fromCharCode(b);
        return /[A-Za-z0-9]/.test(c) ? c : `_${b.toString(16).padStart(2, "0")}`;
    }).join("");
}
