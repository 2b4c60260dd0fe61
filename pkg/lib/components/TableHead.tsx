// A table's header row from its column titles, so that a table states only
// what its columns are. A column left out (false) is not shown; `actions`
// adds the untitled column of the row actions, named for screen readers.
import { Th, Thead, Tr, type ThProps } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { _ } from "../gettext";

type Column = string | false | { title: string; width?: ThProps["width"]; modifier?: ThProps["modifier"] };

export function TableHead({ columns, actions }: { columns: Column[]; actions?: boolean }) {
    return (
        <Thead>
            <Tr>
                {columns.map((c, i) => c !== false && (typeof c === "string"
                    ? <Th key={i}>{c}</Th>
                    : <Th key={i} width={c.width} modifier={c.modifier}>{c.title}</Th>))}
                {actions && <Th screenReaderText={_("Actions")} />}
            </Tr>
        </Thead>
    );
}
