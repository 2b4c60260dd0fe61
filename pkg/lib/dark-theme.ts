// Follows Cockpit's theme choice (Session menu → Style: default, light,
// dark), which the shell keeps in localStorage "shell:style"; "auto" follows
// the browser's preference.
const DARK_CLASS = "pf-v6-theme-dark";

function wantsDark(): boolean {
    const style = localStorage.getItem("shell:style") ?? "auto";
    if (style === "dark")
        return true;
    if (style === "light")
        return false;
    return window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false;
}

function apply(): void {
    document.documentElement.classList.toggle(DARK_CLASS, wantsDark());
}

export function followCockpitTheme(): void {
    apply();
    window.addEventListener("storage", event => {
        if (event.key === "shell:style")
            apply();
    });
    window.matchMedia?.("(prefers-color-scheme: dark)").addEventListener("change", apply);
}
