// The graphical console: noVNC speaks RFB over a WebSocket that Cockpit's
// web server opens as a channel to the per-user socket debvisord made for
// this session (Machine.OpenConsole "vnc"). The VNC server itself listens
// on a UNIX socket only root and the qemu user can reach (ConsoleTab warns
// when a machine defined elsewhere has it on a TCP port).
import { useEffect, useRef, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import rfbModule from "@novnc/novnc/lib/rfb.js";
import { machineOpenConsole } from "../../lib/api/machines";
import { cockpit } from "../../lib/cockpit";
import { _ } from "../../lib/gettext";

// lib/rfb.js is CommonJS with an __esModule marker; our package is an ES
// module, so the bundler hands over its whole exports object as the default
const RFB = (rfbModule as unknown as { default?: typeof rfbModule }).default ?? rfbModule;
type RFB = InstanceType<typeof RFB>;

/* Cockpit's external channel: a WebSocket on the page's own origin, no port of its own. */
function channelUrl(socket: string): string {
    const query = window.btoa(JSON.stringify({ payload: "stream", protocol: "binary", binary: "raw", unix: socket }));
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    return `${scheme}://${window.location.host}/cockpit/channel/${cockpit.transport.csrf_token}?${query}`;
}

export function VncConsole({ path }: { path: string }) {
    const box = useRef<HTMLDivElement>(null);
    const client = useRef<RFB | null>(null);
    const [connected, setConnected] = useState(false);
    const [problem, setProblem] = useState<string | null>(null);
    const [session, setSession] = useState(0);

    useEffect(() => {
        let closed = false;
        machineOpenConsole(path, "vnc").then(socket => {
            if (closed)
                return;
            const rfb = new RFB(box.current!, channelUrl(socket), { shared: true, wsProtocols: ["binary"] });
            rfb.scaleViewport = true;
            rfb.addEventListener("connect", () => setConnected(true));
            rfb.addEventListener("disconnect", () => {
                setConnected(false);
                if (!closed)
                    setProblem(_("The graphical console closed."));
            });
            client.current = rfb;
        }, (e: Error) => setProblem(e.message));
        return () => {
            closed = true;
            client.current?.disconnect();
            client.current = null;
        };
    }, [path, session]);

    return (
        <>
            {problem && (
                <Alert isInline variant="warning" title={problem} className="pf-v6-u-mb-sm"
                    actionLinks={<Button variant="link" isInline onClick={() => { setProblem(null); setSession(n => n + 1) }}>{_("Reconnect")}</Button>} />
            )}
            <Button variant="secondary" className="pf-v6-u-mb-sm" isDisabled={!connected} onClick={() => client.current?.sendCtrlAltDel()}>{_("Send Ctrl+Alt+Del")}</Button>
            <div ref={box} className="debvisor-vnc" data-console="vnc" data-connected={connected ? "yes" : "no"} />
        </>
    );
}
