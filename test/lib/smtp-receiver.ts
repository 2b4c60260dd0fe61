// The test's SMTP receiver, standing in for the host's MTA where Alertmanager
// sends e-mail (localhost:25): it speaks as much SMTP as a client that needs
// no TLS and no login uses (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing,
// RSET, NOOP, QUIT) and keeps each message it took. It delivers nothing.
import net from "node:net";

export interface ReceivedMail { from: string; to: string[]; data: string }

/* A message's text with quoted-printable undone (soft line breaks can split a word), for searching. */
export function mailText(mail: ReceivedMail): string {
    return mail.data.replace(/=\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export class SmtpReceiver {
    readonly mails: ReceivedMail[] = [];
    private server: net.Server | null = null;
    private readonly sockets = new Set<net.Socket>();

    /* Listens on 127.0.0.1:port; rejects with the reason when it cannot (port 25 taken by a real MTA). */
    listen(port = 25): Promise<void> {
        const server = net.createServer(socket => this.session(socket));
        this.server = server;
        return new Promise((resolve, reject) => {
            server.once("error", reject);
            server.listen(port, "127.0.0.1", () => resolve());
        });
    }

    close(): Promise<void> {
        for (const s of this.sockets)
            s.destroy();
        return new Promise(resolve => this.server ? this.server.close(() => resolve()) : resolve());
    }

    private session(socket: net.Socket): void {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => undefined);
        const reply = (line: string) => socket.write(`${line}\r\n`);
        let mail: ReceivedMail = { from: "", to: [], data: "" };
        let inData = false;
        let buffer = "";
        reply("220 localhost ESMTP the test's SMTP receiver");
        socket.on("data", (chunk: Buffer) => {
            buffer += chunk.toString("utf8");
            for (let end = buffer.indexOf("\r\n"); end >= 0; end = buffer.indexOf("\r\n")) {
                const line = buffer.slice(0, end);
                buffer = buffer.slice(end + 2);
                if (inData) {
                    if (line === ".") {
                        inData = false;
                        this.mails.push(mail);
                        mail = { from: "", to: [], data: "" };
                        reply("250 2.0.0 taken");
                    } else
                        mail.data += `${line.startsWith(".") ? line.slice(1) : line}\n`;
                    continue;
                }
                const verb = line.slice(0, 4).toUpperCase();
                if (verb === "EHLO")
                    reply("250-localhost\r\n250 8BITMIME");
                else if (verb === "HELO" || verb === "NOOP")
                    reply("250 localhost");
                else if (verb === "MAIL") {
                    mail = { from: /<([^>]*)>/.exec(line)?.[1] ?? "", to: [], data: "" };
                    reply("250 2.1.0 ok");
                } else if (verb === "RCPT") {
                    mail.to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
                    reply("250 2.1.5 ok");
                } else if (verb === "DATA") {
                    inData = true;
                    reply("354 end with <CRLF>.<CRLF>");
                } else if (verb === "RSET") {
                    mail = { from: "", to: [], data: "" };
                    reply("250 ok");
                } else if (verb === "QUIT") {
                    reply("221 bye");
                    socket.end();
                } else
                    reply("502 5.5.2 not implemented");
            }
        });
    }
}
