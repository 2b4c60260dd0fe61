/* The inverse of escapePathElement: tests use it to show that escaping keeps names distinct. */
export function unescapePathElement(element: string): string {
    if (element === "_")
        return "";
    const bytes: number[] = [];
    for (let i = 0; i < element.length; i++) {
        if (element[i] === "_") {
            bytes.push(parseInt(element.slice(i + 1, i + 3), 16));
            i += 2;
        } else {
            bytes.push(element.charCodeAt(i));
        }
    }
    return Buffer.from(bytes).toString("utf8");
}
