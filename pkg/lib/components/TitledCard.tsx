// A card of a page: its h2 title over its body. The card's own attributes
// (aria-label, id, data-…) pass through; its dialogs may sit in the body, as
// a Modal renders elsewhere in the document.
import type { ReactNode } from "react";
import { Card, CardBody, CardTitle, type CardProps } from "@patternfly/react-core/dist/esm/components/Card/index.js";

export function TitledCard({ title, children, ...card }: { title: string; children: ReactNode } & Omit<CardProps, "title">) {
    return (
        <Card {...card}>
            <CardTitle component="h2">{title}</CardTitle>
            <CardBody>{children}</CardBody>
        </Card>
    );
}
