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
import { machineGraphics, machineOpenConsole, type MachineGraphics } from "../../lib/api/machines";
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

/* A display on a TCP port answers whoever reaches the port, without DebVisor asking anyone. */
function ExposedDisplay({ graphics, ours }: { graphics: MachineGraphics; ours: boolean }) {
    const where = graphics.Port > 0 ? `${graphics.Listen || "127.0.0.1"}:${graphics.Port}` : graphics.Listen;
    const title = graphics.Access === "network"
        ? cockpit.format(_("The $0 display listens on $1: anyone who reaches this host's network can connect to it."), graphics.Type.toUpperCase(), where)
        : cockpit.format(_("The $0 display listens on $1: every local user of this host can connect to it."), graphics.Type.toUpperCase(), where);
    return (
        <Alert isInline variant="warning" title={title} className="pf-v6-u-mb-sm" data-graphics-access={graphics.Access}>
            {ours
                ? _("It moves to a socket only DebVisor can reach at the machine's next start: shut it down and start it again.")
                : _("This machine was defined outside DebVisor, which leaves its definition as it is. Put its display on a UNIX socket (<listen type='socket'/>) to close it.")}
        </Alert>
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
    const hasVnc = machineGraphics(machine.props).some(g => g.Type === "vnc");
    const exposed = machineGraphics(machine.props).filter(g => g.Access === "local-users" || g.Access === "network");
    return (
        <div className="pf-v6-u-mt-md">
            {exposed.map((g, i) => <ExposedDisplay key={i} graphics={g} ours={machine.props.CreatedBy !== ""} />)}
            <ToggleGroup aria-label={_("Console type")} className="pf-v6-u-mb-sm">
                <ToggleGroupItem text={_("Serial")} buttonId="console-serial" isSelected={kind === "serial"} onChange={() => setKind("serial")} />
                <ToggleGroupItem text={_("Graphics (VNC)")} buttonId="console-vnc" isSelected={kind === "vnc"} isDisabled={!hasVnc} onChange={() => setKind("vnc")} />
            </ToggleGroup>
            {kind === "serial" ? <SerialConsole path={machine.path} /> : <VncConsole path={machine.path} />}
        </div>
    );
}
