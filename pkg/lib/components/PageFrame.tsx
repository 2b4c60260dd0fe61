// The frame every DebVisor page shares: its toast alerts, its heading, and
// the filled section below that holds what the page shows.
import type { ReactNode } from "react";
import { Page, PageSection } from "@patternfly/react-core/dist/esm/components/Page/index.js";
import { Title } from "@patternfly/react-core/dist/esm/components/Title/index.js";
import { PageAlerts } from "./PageAlerts";

export function PageFrame({ title, children }: { title: string; children: ReactNode }) {
    return (
        <Page>
            <PageAlerts />
            <PageSection>
                <Title headingLevel="h1">{title}</Title>
            </PageSection>
            <PageSection isFilled>{children}</PageSection>
        </Page>
    );
}
