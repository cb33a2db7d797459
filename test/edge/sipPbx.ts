import { randomBytes } from "node:crypto";
import { lookup } from "node:dns/promises";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { connect as netConnect, createServer as netServer, type Server as NetServer, type Socket } from "node:net";
import { connect as tlsConnect, createServer as tlsServer, type Server as TlsServer } from "node:tls";
import type { CertificateFiles } from "../../src/edge/tls.js";
import { headerValues, isProbe, SipStream, type TlsVerify } from "./sipTls.js";

/**
 * A PBX behind a trunk, on UDP, TCP or TLS, written with Node's sockets so a test sees every
 * byte the edge sends it and can hang up from the PBX's side as a PBX does: a BYE to the first
 * Record-Route the edge put in the INVITE, over a new connection for TCP and TLS (the address in
 * that Record-Route, not the connection the INVITE came on, is what is under test).
 */

export type Transport = "udp" | "tcp" | "tls";

export interface PbxRequest {
  method: string;
  /** The request line, e.g. "INVITE sip:+91...@127.0.64.101:5080;transport=tcp SIP/2.0". */
  line: string;
  text: string;
  /** ip:port it came from. */
  peer: string;
}

export interface HangUp {
  /** Where the BYE was sent (host:port of the first Record-Route) and the answer's status code. */
  to: string;
  status: number;
  /** The BYE as sent. */
  bye: string;
  /** Why no answer came (a failed TLS handshake, say). */
  error?: string;
}

export interface Pbx {
  /** ip:port it listens on. */
  address: string;
  transport: Transport;
  requests(): PbxRequest[];
  /** The edge's OPTIONS probes (From sip:trunkline-edge@...), kept apart from requests(): they come at any time. */
  probes(): PbxRequest[];
  /**
   * BYEs this PBX sent (with `hangUpAfterMs`), once each is answered or failed (status 0): waits
   * for those under way, since the caller may be done before the 200 to the BYE reaches the PBX.
   */
  hangUps(): Promise<HangUp[]>;
  /** A re-INVITE with `sdp` in the last call it answered, following its Record-Route; ACKed on 2xx. */
  reinvite(sdp: string): Promise<Reinvite>;
  stop(): Promise<void>;
}

export interface PbxOptions {
  /** TLS: the certificate it presents. */
  certificate?: CertificateFiles;
  /** After the ACK, hang up (BYE following Record-Route) this many ms later. */
  hangUpAfterMs?: number;
  /** A BYE over TLS checks the edge's certificate so (default: not at all). */
  verify?: TlsVerify;
  /** While it returns true, OPTIONS get no answer (the edge's probes of this destination fail); INVITEs still do. */
  ignoreOptions?: () => boolean;
  /** The final answer to an INVITE (default 200); 0: ring (180) and never answer, a CANCEL gets 487. */
  answer?: number;
  /** The SDP of its 200, given the INVITE (default: audio on port 6000 of its own address). */
  sdp?: (invite: string) => string;
  /** The Contact it sends instead of its own address (a PBX behind NAT names its private one). */
  contact?: string;
}

/** A re-INVITE a PBX sent: its answer (after which the PBX sent the ACK). */
export interface Reinvite {
  status: number;
  /** The final answer as received. */
  answer: string;
}

const SDP = (host: string) => ["v=0", `o=pbx 1 1 IN IP4 ${host}`, "s=-", `c=IN IP4 ${host}`, "t=0 0", "m=audio 6000 RTP/AVP 0", "a=rtpmap:0 PCMU/8000", ""].join("\r\n");

function response(request: string, status: string, contact: string, toTag: string, sdp: string | undefined): string {
  const copied = ["Via", "From", "To", "Call-ID", "CSeq", "Record-Route"].flatMap((name) =>
    headerValues(request, name).map((value) => `${name}: ${name === "To" && !/;\s*tag=/i.test(value) ? `${value};tag=${toTag}` : value}`),
  );
  const body = sdp ?? "";
  const lines = [`SIP/2.0 ${status}`, ...copied, `Contact: <${contact}>`, ...(sdp === undefined ? [] : ["Content-Type: application/sdp"]), `Content-Length: ${Buffer.byteLength(body)}`];
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** The URIs of every Record-Route value, in order (one header may list several). */
export function recordRoutes(message: string): string[] {
  return headerValues(message, "Record-Route").flatMap((v) => [...v.matchAll(/<([^>]+)>/g)].map((m) => m[1] as string));
}

/** host, port and transport of a SIP URI (defaults: 5060, udp). */
export function uriTarget(uri: string): { host: string; port: number; transport: Transport } {
  const m = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;>]+)(?::(\d+))?/.exec(uri);
  if (!m) throw new Error(`not a SIP URI: ${uri}`);
  const transport = (/;transport=(\w+)/i.exec(uri)?.[1]?.toLowerCase() ?? "udp") as Transport;
  return { host: m[1] as string, port: Number(m[2] ?? (transport === "tls" ? 5061 : 5060)), transport };
}

interface Dialog {
  invite: string;
  toTag: string;
}

/** A PBX on `address:port` answering every INVITE with 200 and an SDP, and every BYE with 200. */
export async function startPbx(address: string, port: number, transport: Transport, options: PbxOptions = {}): Promise<Pbx> {
  const received: PbxRequest[] = [];
  const hangUps: HangUp[] = [];
  const streams = new Set<Socket>();
  const pending = new Set<Promise<void>>();
  const contact = options.contact ?? `sip:pbx@${address}:${port}${transport === "udp" ? "" : `;transport=${transport}`}`;
  const sdpFor = (invite: string) => (options.sdp ? options.sdp(invite) : SDP(address));
  const dialogs = new Map<string, Dialog>();
  let udp: UdpSocket | undefined;
  let server: NetServer | TlsServer | undefined;
  let stopped = false;

  /** A request in `dialog` from this PBX (BYE, re-INVITE), sent as hangUp sends it; settles with the final answer. */
  const inDialog = async (dialog: Dialog, method: string, cseq: number, body?: string): Promise<HangUp & { answer: string }> => {
    const route = recordRoutes(dialog.invite);
    const next = uriTarget(route[0] ?? "");
    const to = `${next.host}:${next.port}`;
    const remote = /<([^>]+)>/.exec(headerValues(dialog.invite, "Contact")[0] ?? "")?.[1] ?? "";
    const via = `SIP/2.0/${next.transport.toUpperCase()} ${address}:${port};branch=z9hG4bK-${randomBytes(6).toString("hex")};rport`;
    const callId = headerValues(dialog.invite, "Call-ID")[0] ?? "";
    const lines = [
      `${method} ${remote} SIP/2.0`,
      `Via: ${via}`,
      ...route.map((r) => `Route: <${r}>`),
      `From: ${headerValues(dialog.invite, "To")[0]};tag=${dialog.toTag}`,
      `To: ${headerValues(dialog.invite, "From")[0]}`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} ${method}`,
      "Max-Forwards: 70",
      ...(method === "INVITE" ? [`Contact: <${contact}>`] : []),
      ...(body === undefined ? ["Content-Length: 0"] : ["Content-Type: application/sdp", `Content-Length: ${Buffer.byteLength(body)}`]),
    ];
    const bye = `${lines.join("\r\n")}\r\n\r\n${body ?? ""}`;
    // The Record-Route may name the edge by a host name (TRUNKLINE_EDGE_ADVERTISE).
    const ip = /^[\d.]+$/.test(next.host) ? next.host : (await lookup(next.host, 4)).address;
    const isAnswer = (m: string) => m.startsWith("SIP/2.0 ") && headerValues(m, "Call-ID")[0] === callId && (headerValues(m, "CSeq")[0] ?? "") === `${cseq} ${method}`;
    let error: string | undefined;
    let answer = "";
    const status = await new Promise<number>((resolve) => {
      const timer = setTimeout(() => resolve(0), 8000);
      const done = (m: string) => {
        const code = Number(m.slice(8, 11));
        if (code < 200) return;
        clearTimeout(timer);
        answer = m;
        resolve(code);
      };
      if (next.transport === "udp") {
        if (!udp) throw new Error("a UDP BYE from a stream PBX");
        const socket = udp;
        const listener = (msg: Buffer) => {
          const m = msg.toString("utf8");
          if (!isAnswer(m)) return;
          done(m);
          if (Number(m.slice(8, 11)) >= 200) socket.off("message", listener);
        };
        socket.on("message", listener);
        socket.send(bye, next.port, ip);
        return;
      }
      // A new connection to the Record-Route's address, from this PBX's address.
      const tcp = netConnect({ host: ip, port: next.port, localAddress: address });
      const checks = options.verify ? { rejectUnauthorized: true, ca: options.verify.ca, servername: options.verify.servername } : { rejectUnauthorized: false };
      const stream = next.transport === "tls" ? tlsConnect({ socket: tcp, ...checks }) : tcp;
      const parser = new SipStream();
      stream.on(next.transport === "tls" ? "secureConnect" : "connect", () => stream.write(bye));
      stream.on("error", (e) => {
        error = e.message;
        clearTimeout(timer);
        resolve(0);
      });
      stream.on("data", (chunk: Buffer) => {
        for (const m of parser.push(chunk)) if (isAnswer(m)) done(m);
      });
      streams.add(stream);
      stream.on("close", () => streams.delete(stream));
    });
    return { to, status, bye, answer, ...(error === undefined ? {} : { error }) };
  };
  const hangUp = async (dialog: Dialog): Promise<HangUp> => {
    const { answer: _answer, ...sent } = await inDialog(dialog, "BYE", 1);
    return sent;
  };

  /** Handles one received message; `reply` sends on the path it came by. */
  const handle = (message: string, peer: string, reply: (text: string) => void) => {
    const line = message.slice(0, message.indexOf("\r\n"));
    const method = /^([A-Z]+) \S+ SIP\/2\.0$/.exec(line)?.[1];
    if (!method) return; // responses are read by hangUp
    received.push({ method, line, text: message, peer });
    const callId = headerValues(message, "Call-ID")[0] ?? "";
    if (method === "INVITE") {
      // A retransmitted INVITE gets the same To tag.
      const dialog = dialogs.get(callId) ?? { invite: message, toTag: randomBytes(6).toString("hex") };
      dialogs.set(callId, dialog);
      const answer = options.answer ?? 200;
      if (answer === 200) reply(response(message, "200 OK", contact, dialog.toTag, sdpFor(message)));
      else if (answer === 0) reply(response(message, "180 Ringing", contact, dialog.toTag, undefined));
      else reply(response(message, `${answer} Failure`, contact, dialog.toTag, undefined));
    } else if (method === "CANCEL") {
      reply(response(message, "200 OK", contact, dialogs.get(callId)?.toTag ?? "x", undefined));
      const dialog = dialogs.get(callId);
      if (dialog && options.answer === 0) reply(response(dialog.invite, "487 Request Terminated", contact, dialog.toTag, undefined));
    } else if (method === "ACK") {
      const dialog = dialogs.get(callId);
      if (dialog && (options.answer ?? 200) === 200 && options.hangUpAfterMs !== undefined && !stopped) {
        const job = new Promise<void>((r) => setTimeout(r, options.hangUpAfterMs)).then(async () => {
          hangUps.push(await hangUp(dialog));
        });
        pending.add(job);
        void job.finally(() => pending.delete(job));
      }
    } else if (method === "OPTIONS" && options.ignoreOptions?.()) {
      return;
    } else {
      reply(response(message, "200 OK", contact, dialogs.get(callId)?.toTag ?? "x", undefined));
    }
  };

  if (transport === "udp") {
    const socket = createSocket("udp4");
    udp = socket;
    socket.on("message", (msg, rinfo) => handle(msg.toString("utf8"), `${rinfo.address}:${rinfo.port}`, (text) => socket.send(text, rinfo.port, rinfo.address)));
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, address, () => resolve());
    });
  } else {
    const onConnection = (socket: Socket) => {
      streams.add(socket);
      socket.on("close", () => streams.delete(socket));
      socket.on("error", () => socket.destroy());
      const parser = new SipStream();
      socket.on("data", (chunk: Buffer) => {
        for (const m of parser.push(chunk)) handle(m, `${socket.remoteAddress}:${socket.remotePort}`, (text) => socket.write(text));
      });
    };
    const files = options.certificate;
    if (transport === "tls" && !files) throw new Error("a TLS PBX needs a certificate");
    const s = transport === "tls" && files ? tlsServer({ cert: readFileSync(files.cert), key: readFileSync(files.key) }, onConnection) : netServer(onConnection);
    server = s;
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, address, () => resolve());
    });
  }
  return {
    address: `${address}:${port}`,
    transport,
    requests: () => received.filter((r) => !isProbe(r)),
    probes: () => received.filter(isProbe),
    async hangUps() {
      await Promise.allSettled([...pending]);
      return [...hangUps];
    },
    async reinvite(sdp) {
      const dialog = [...dialogs.values()].at(-1);
      if (!dialog) throw new Error("no call to re-INVITE in");
      const sent = await inDialog(dialog, "INVITE", 2, sdp);
      if (sent.status >= 200 && sent.status < 300) await inDialog(dialog, "ACK", 2).catch(() => undefined);
      return { status: sent.status, answer: sent.answer };
    },
    async stop() {
      stopped = true;
      await Promise.allSettled([...pending]);
      for (const socket of streams) socket.destroy();
      if (udp) udp.close();
      if (server) await new Promise<void>((r) => server?.close(() => r()));
    },
  };
}
