import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { bdecode, bencode, type BValue } from "./bencode.js";
import { formatUdpAddress, parseUdpAddress, type UdpAddress } from "./address.js";

/**
 * A client of rtpengine's ng control protocol: each request is `<cookie> <bencoded dict>` in one
 * UDP datagram and the answer echoes the cookie. rtpengine caches answers by cookie, so a request
 * that got no answer is sent again with the same cookie (an offer is never applied twice).
 */

export type NgDict = { [key: string]: BValue };

/** rtpengine answered `result: error` (or `load limit`); `reason` is its `error-reason`. */
export class NgError extends Error {
  constructor(
    readonly command: string,
    readonly reason: string,
  ) {
    super(`rtpengine ${command}: ${reason}`);
  }
}

/** No answer within the timeout (rtpengine down, wrong address, or the datagram lost every time). */
export class NgTimeoutError extends Error {}

export interface NgClientOptions {
  /** Total time for one request, retransmissions included (default 2000 ms). */
  timeoutMs?: number;
  /** Resend an unanswered request after this long (default 500 ms). */
  retransmitMs?: number;
}

/** rtpengine's counters as ng `statistics` reports them (the fields trunkline reads). */
export interface RelayStatistics {
  /** Sessions this relay holds now (own; foreign ones are other relays' via Redis, unused here). */
  sessionsCurrent: number;
  /** Sessions since it started (ended + held now). */
  sessionsTotal: number;
  /** Packets, bytes and errors relayed since start (userspace + kernel). */
  packets: number;
  bytes: number;
  errors: number;
  uptimeSeconds: number;
  /** The whole answer, for anything else. */
  raw: NgDict;
}

interface Pending {
  resolve(d: NgDict): void;
  reject(e: Error): void;
}

export class NgClient {
  readonly address: string;
  private readonly target: UdpAddress;
  private readonly socket: Socket;
  private readonly pending = new Map<string, Pending>();
  private readonly timeoutMs: number;
  private readonly retransmitMs: number;
  private closed = false;

  constructor(address: string, options: NgClientOptions = {}) {
    this.target = parseUdpAddress(address, "rtpengine ng address");
    this.address = formatUdpAddress(this.target);
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.retransmitMs = options.retransmitMs ?? 500;
    this.socket = createSocket(isIPv6(this.target.host) ? "udp6" : "udp4");
    this.socket.on("message", (msg) => this.onMessage(msg));
    // ICMP port unreachable surfaces as an error on some systems: the request then times out.
    this.socket.on("error", () => undefined);
    this.socket.unref();
  }

  private onMessage(msg: Buffer): void {
    const space = msg.indexOf(0x20);
    if (space < 0) return;
    const cookie = msg.toString("latin1", 0, space);
    const waiter = this.pending.get(cookie);
    if (!waiter) return; // a late answer to a retransmission, or not ours
    this.pending.delete(cookie);
    try {
      const body = bdecode(msg.subarray(space + 1));
      if (typeof body !== "object" || Array.isArray(body)) throw new Error("the answer is not a dictionary");
      waiter.resolve(body);
    } catch (error) {
      waiter.reject(new Error(`rtpengine at ${this.address} sent an unreadable answer: ${(error as Error).message}`));
    }
  }

  /** Sends one command; resolves with the answer dictionary, rejects on `result: error` or timeout. */
  async request(command: string, args: NgDict = {}): Promise<NgDict> {
    if (this.closed) throw new Error("NgClient is closed");
    const cookie = randomBytes(8).toString("hex");
    const datagram = Buffer.concat([Buffer.from(`${cookie} `), bencode({ ...args, command })]);
    const answer = await new Promise<NgDict>((resolve, reject) => {
      const send = () => this.socket.send(datagram, this.target.port, this.target.host, () => undefined);
      const resend = setInterval(send, this.retransmitMs);
      const timer = setTimeout(() => {
        finish();
        reject(new NgTimeoutError(`rtpengine at ${this.address} did not answer '${command}' within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const finish = () => {
        clearInterval(resend);
        clearTimeout(timer);
        this.pending.delete(cookie);
      };
      this.pending.set(cookie, {
        resolve: (d) => {
          finish();
          resolve(d);
        },
        reject: (e) => {
          finish();
          reject(e);
        },
      });
      send();
    });
    const result = answer.result;
    if (result === "error" || result === "load limit") {
      throw new NgError(command, typeof answer["error-reason"] === "string" ? answer["error-reason"] : String(result));
    }
    return answer;
  }

  /** Resolves when rtpengine answers `pong`. */
  async ping(): Promise<void> {
    const answer = await this.request("ping");
    if (answer.result !== "pong") throw new Error(`rtpengine at ${this.address} answered ping with '${String(answer.result)}'`);
  }

  async statistics(): Promise<RelayStatistics> {
    const answer = await this.request("statistics");
    return readStatistics(answer);
  }

  /** A session's state: its tags, streams and per-stream packet counters (ng `query`). */
  query(callId: string, extra: NgDict = {}): Promise<NgDict> {
    return this.request("query", { "call-id": callId, ...extra });
  }

  /** Call-IDs of the sessions this relay holds (ng `list`; `limit` default 32 there, ours 10000). */
  async list(limit = 10000): Promise<string[]> {
    const answer = await this.request("list", { limit });
    const calls = answer.calls;
    return Array.isArray(calls) ? calls.filter((c): c is string => typeof c === "string") : [];
  }

  /** An offer: `flags` etc. as rtpengine's ng spells them; returns the rewritten SDP and the answer. */
  async offer(args: { sdp: string; "call-id": string; "from-tag": string } & NgDict): Promise<NgDict & { sdp: string }> {
    return withSdp("offer", await this.request("offer", args));
  }

  async answer(args: { sdp: string; "call-id": string; "from-tag": string; "to-tag": string } & NgDict): Promise<NgDict & { sdp: string }> {
    return withSdp("answer", await this.request("answer", args));
  }

  /** Deletes a session (whole call without `from-tag`); rtpengine's answer carries its final stats. */
  delete(args: { "call-id": string } & NgDict): Promise<NgDict> {
    return this.request("delete", args);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [, waiter] of this.pending) waiter.reject(new Error("NgClient closed"));
    this.pending.clear();
    this.socket.close();
  }
}

function withSdp(command: string, answer: NgDict): NgDict & { sdp: string } {
  if (typeof answer.sdp !== "string") throw new NgError(command, "the answer carries no SDP");
  return answer as NgDict & { sdp: string };
}

const num = (v: BValue | undefined): number => {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return 0;
};
const dict = (v: BValue | undefined): NgDict => (v && typeof v === "object" && !Array.isArray(v) ? v : {});

/** The counters trunkline shows, from an ng `statistics` answer (rtpengine 10.5's layout). */
export function readStatistics(answer: NgDict): RelayStatistics {
  const stats = dict(answer.statistics);
  const current = dict(stats.currentstatistics);
  const total = dict(stats.totalstatistics);
  return {
    sessionsCurrent: num(current.sessionsown),
    // managedsessions counts sessions that ended; the ones held now are added.
    sessionsTotal: num(total.managedsessions) + num(current.sessionsown),
    packets: num(total.relayedpackets),
    bytes: num(total.relayedbytes),
    errors: num(total.relayedpacketerrors),
    uptimeSeconds: num(total.uptime),
    raw: answer,
  };
}
