// The part of noVNC's RFB client the Console tab uses (the package ships no types).
declare module "@novnc/novnc/lib/rfb.js" {
    export default class RFB extends EventTarget {
        constructor(target: HTMLElement, urlOrChannel: string | WebSocket, options?: { shared?: boolean; credentials?: { password?: string } });
        scaleViewport: boolean;
        resizeSession: boolean;
        disconnect(): void;
        sendCtrlAltDel(): void;
        focus(): void;
    }
}
