// Starts a page: PatternFly styles, Cockpit's theme, and the React root.
import "@patternfly/react-core/dist/styles/base.css";
import "./page.css";
import type { ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { followCockpitTheme } from "./dark-theme";

export function mountPage(page: ReactNode): void {
    followCockpitTheme();
    const start = () => createRoot(document.getElementById("app") as HTMLElement).render(page);
    if (document.readyState === "loading")
        document.addEventListener("DOMContentLoaded", start);
    else
        start();
}
