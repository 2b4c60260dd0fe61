// The consoles in the browser. The serial console: debvisord opens a Unix socket that
// only this user may connect to (Machine.OpenConsole); Cockpit's bridge,
// running as this user, streams it into xterm.js. No port is opened.
import { useEffect, useRef, useState } from "react";
import { ToggleGroup, ToggleGroupItem } from "@patternfly/react-core/dist/esm/components/ToggleGroup/index.js";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { EmptyState, EmptyStateBody } from "@patternfly/react-core/dist/esm/components/EmptyState/index.js";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { machineOpenConsole } from "../../lib/api/machines";
import { cockpit } from "../../lib/cockpit";
import type { MachineObject } from "../../lib/dbus-store";
import { _ } from "../../lib/gettext";
import { VncConsole } from "./VncConsole";

function SerialConsole({ path }: { path: string }) {
    const box = useRef<HTMLDivElement>(null);
    const [problem, setProblem] = useState<string | null>(null);
    const [session, setSession] = useState(0);

    useEffect(() => {
        const terminal = new Terminal({ convertEol: false, cursorBlink: true, fontSize: 14, scrollback: 5000 });
        terminal.open(box.current!);
        let channel: ReturnType<typeof cockpit.channel> | null = null;
        let closed = false;
        const encoder = new TextEncoder();
        machineOpenConsole(path, "serial").then(socket => {
            if (closed)
                return;
            channel = cockpit.channel({ payload: "stream", unix: socket, binary: true });
            channel.addEventListener("message", (_event, data) => terminal.write(typeof data === "string" ? data : new Uint8Array(data)));
            channel.addEventListener("close", (_event, options) => {
                if (!closed)
                    setProblem(options.problem ? cockpit.message(options) : _("The console closed: the machine stopped."));
            });
            terminal.onData(keys => channel?.send(encoder.encode(keys)));
            terminal.focus();
        }, (e: Error) => setProblem(e.message));
        return () => {
            closed = true;
            channel?.close();
            terminal.dispose();
        };
    }, [path, session]);

    return (
        <>
            {problem && (
                <Alert isInline variant="warning" title={problem} className="pf-v6-u-mb-sm"
                    actionLinks={<Button variant="link" isInline onClick={() => { setProblem(null); setSession(n => n + 1) }}>{_("Reconnect")}</Button>} />
            )}
            <div ref={box} className="debvisor-terminal" data-console="serial" />
        </>
    );
}

export function ConsoleTab({ machine }: { machine: MachineObject }) {
    const [kind, setKind] = useState<"serial" | "vnc">("serial");
    const state = machine.props.State;
    if (state !== "running" && state !== "paused") {
        return (
            <EmptyState headingLevel="h3" titleText={_("The machine is not running")}>
                <EmptyStateBody>{_("Start it to use its console.")}</EmptyStateBody>
            </EmptyState>
        );
    }
    const hasVnc = machine.props.Graphics.some(g => g.Type?.v === "vnc");
    return (
        <div className="pf-v6-u-mt-md">
            <ToggleGroup aria-label={_("Console type")} className="pf-v6-u-mb-sm">
                <ToggleGroupItem text={_("Serial")} buttonId="console-serial" isSelected={kind === "serial"} onChange={() => setKind("serial")} />
                <ToggleGroupItem text={_("Graphics (VNC)")} buttonId="console-vnc" isSelected={kind === "vnc"} isDisabled={!hasVnc} onChange={() => setKind("vnc")} />
            </ToggleGroup>
            {kind === "serial" ? <SerialConsole path={machine.path} /> : <VncConsole path={machine.path} />}
        </div>
    );
}
