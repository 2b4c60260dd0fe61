// Starts a page: PatternFly styles, Cockpit's theme, and the React root.
import "@patternfly/react-core/dist/styles/base.css";
import "./page.css";
import type { ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { cockpit } from "./cockpit";
import { followCockpitTheme } from "./dark-theme";

export function mountPage(page: ReactNode): void {
    followCockpitTheme();
    // po.js set cockpit.language: hyphenation, quotes and screen readers follow it
    document.documentElement.lang = cockpit.language;
    document.documentElement.dir = cockpit.language_direction;
    const start = () => createRoot(document.getElementById("app") as HTMLElement).render(page);
    if (document.readyState === "loading")
        document.addEventListener("DOMContentLoaded", start);
    else
        start();
}
