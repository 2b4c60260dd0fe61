// What is wrong with a form field, under it.
import { FormHelperText } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { HelperText, HelperTextItem } from "@patternfly/react-core/dist/esm/components/HelperText/index.js";

export function FieldError({ text }: { text: string }) {
    return <FormHelperText><HelperText><HelperTextItem variant="error">{text}</HelperTextItem></HelperText></FormHelperText>;
}
