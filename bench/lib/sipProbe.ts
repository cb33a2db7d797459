import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";

/**
 * A minimal SIP UDP client for measuring propagation: it sends one INVITE at a time and reports
 * the final status. Hand-written rather than sipp because a probe must cost well under a
 * millisecond to resolve sub-millisecond propagation, and starting sipp costs tens.
 */
export class SipProbe {
  private readonly socket: Socket;
  private waiting: { branch: string; resolve: (status: number) => void; timer: NodeJS.Timeout } | undefined;

  private constructor(
    socket: Socket,
    private readonly local: string,
    private readonly edgeHost: string,
    private readonly edgePort: number,
  ) {
    this.socket = socket;
    socket.on("message", (msg) => this.onMessage(msg.toString("utf8")));
  }

  static async open(localAddress: string, edge: string): Promise<SipProbe> {
    const [host, port] = edge.split(":") as [string, string];
    const socket = createSocket("udp4");
    await new Promise<void>((r) => socket.bind(0, localAddress, () => r()));
    return new SipProbe(socket, `${localAddress}:${socket.address().port}`, host, Number(port));
  }

  /** Final status of one INVITE to `number` (0 when none came within `timeoutMs`). */
  invite(number: string, timeoutMs = 2000): Promise<number> {
    const branch = `z9hG4bK${randomBytes(8).toString("hex")}`;
    const tag = randomBytes(4).toString("hex");
    const callId = randomBytes(10).toString("hex");
    const head = (method: string, extra: string) =>
      `${method} sip:${number}@${this.edgeHost}:${this.edgePort} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP ${this.local};branch=${branch}\r\n` +
      `Max-Forwards: 70\r\nFrom: <sip:probe@${this.local}>;tag=${tag}\r\n${extra}` +
      `Call-ID: ${callId}\r\nCSeq: 1 ${method}\r\n`;
    return new Promise<number>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve(0);
      }, timeoutMs);
      this.waiting = {
        branch,
        timer,
        resolve: (status) => {
          resolve(status);
        },
      };
      const invite = head("INVITE", `To: <sip:${number}@${this.edgeHost}>\r\n`) + `Contact: <sip:probe@${this.local}>\r\nContent-Length: 0\r\n\r\n`;
      this.socket.send(invite, this.edgePort, this.edgeHost);
      // The ACK of a final non-2xx answer goes hop by hop with the INVITE's branch.
      this.ack = (to: string) => this.socket.send(head("ACK", `${to}\r\n`) + "Content-Length: 0\r\n\r\n", this.edgePort, this.edgeHost);
    });
  }

  private ack: (to: string) => void = () => {};

  private onMessage(text: string): void {
    const status = /^SIP\/2\.0 (\d{3})/.exec(text);
    const w = this.waiting;
    if (!status || !w || !text.includes(w.branch)) return;
    const code = Number(status[1]);
    if (code < 200) return;
    clearTimeout(w.timer);
    this.waiting = undefined;
    const to = /^(?:To|t):.*$/im.exec(text)?.[0] ?? "";
    this.ack(to);
    w.resolve(code);
  }

  close(): void {
    this.socket.close();
  }
}
