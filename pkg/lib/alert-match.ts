// Which of the alerts firing now concern one thing (a machine, a pool, the
// DNS zones): a page names the thing by its alerts' labels. No cockpit.js
// here: the unit tests run this in Node.

/** label name → the value it must have: exactly this, one of these, or matching this */
export type LabelMatcher = Readonly<Record<string, string | readonly string[] | RegExp>>;

function valueMatches(value: string | undefined, wanted: LabelMatcher[string]): boolean {
    if (value === undefined)
        return false;
    if (typeof wanted === "string")
        return value === wanted;
    if (wanted instanceof RegExp)
        return wanted.test(value);
    return wanted.includes(value);
}

/** Whether the labels satisfy every entry of one of the matchers (an empty matcher matches nothing, not everything). */
export function labelsMatch(labels: Readonly<Record<string, string>>, matchers: readonly LabelMatcher[]): boolean {
    return matchers.some(m => Object.keys(m).length > 0 && Object.entries(m).every(([name, wanted]) => valueMatches(labels[name], wanted)));
}
