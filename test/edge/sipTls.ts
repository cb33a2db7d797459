import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { connect, createServer, type PeerCertificate, type TLSSocket } from "node:tls";
import type { CertificateFiles } from "../../src/edge/tls.js";

/** An OPTIONS the edge sent to probe this destination (docs/edge.md, "Destination health"). */
export const isProbe = (r: { method: string; text: string }): boolean => r.method === "OPTIONS" && /^From:[^\r\n]*sip:trunkline-edge@/im.test(r.text);

/**
 * SIP over TLS for the edge tests, which sipp (as Debian builds it) cannot do: a PBX for
 * transport=tls destinations, and a one-request client for the edge's own TLS socket.
 */

export interface TlsRequest {
  method: string;
  /** The whole message as received. */
  text: string;
  /** The address of the peer that sent it, and which of the UAS's TLS connections (1, 2, ...) it came on. */
  peer: string;
  connection: number;
}

export interface TlsUas {
  /** ip:port it listens on. */
  address: string;
  /** Requests received so far, in order. */
  requests(): TlsRequest[];
  invites(): string[];
  /** Connections that did not complete the TLS handshake. */
  failedHandshakes(): number;
  stop(): Promise<void>;
}

/** SIP over a stream: messages are delimited by the blank line and Content-Length. */
export class SipStream {
  private buffer = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const messages: string[] = [];
    for (;;) {
      // CRLF keepalives may come between messages.
      let start = 0;
      while (this.buffer[start] === 13 || this.buffer[start] === 10) start++;
      this.buffer = this.buffer.subarray(start);
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return messages;
      const head = this.buffer.subarray(0, end).toString("utf8");
      const total = end + 4 + Number(/^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(head)?.[1] ?? 0);
      if (this.buffer.length < total) return messages;
      messages.push(this.buffer.subarray(0, total).toString("utf8"));
      this.buffer = this.buffer.subarray(total);
    }
  }
}

const COMPACT: Record<string, string> = { v: "via", f: "from", t: "to", i: "call-id", m: "contact", l: "content-length" };

/** Every value of a header, in order (compact names count as their long forms). */
export function headerValues(message: string, name: string): string[] {
  const head = message.split("\r\n\r\n")[0] as string;
  return head
    .split("\r\n")
    .slice(1)
    .flatMap((line) => {
      const colon = line.indexOf(":");
      const field = line.slice(0, colon).trim().toLowerCase();
      return colon > 0 && (COMPACT[field] ?? field) === name.toLowerCase() ? [line.slice(colon + 1).trim()] : [];
    });
}

function reply(request: string, method: string, contact: string, toTag: string): string | undefined {
  if (method === "ACK") return undefined;
  const invite = method === "INVITE";
  const copied = ["Via", "From", "To", "Call-ID", "CSeq", ...(invite ? ["Record-Route"] : [])].flatMap((name) =>
    headerValues(request, name).map((value) => `${name}: ${name === "To" && !/;\s*tag=/i.test(value) ? `${value};tag=${toTag}` : value}`),
  );
  const host = contact.replace(/:\d+$/, "");
  const sdp = invite ? ["v=0", `o=pbx 1 1 IN IP4 ${host}`, "s=-", `c=IN IP4 ${host}`, "t=0 0", "m=audio 6000 RTP/AVP 0", "a=rtpmap:0 PCMU/8000", ""].join("\r\n") : "";
  const lines = ["SIP/2.0 200 OK", ...copied, `Contact: <sip:pbx@${contact};transport=tls>`, ...(invite ? ["Content-Type: application/sdp"] : []), `Content-Length: ${Buffer.byteLength(sdp)}`];
  return `${lines.join("\r\n")}\r\n\r\n${sdp}`;
}

/**
 * A TLS UAS on `address:port` presenting the certificate in `files`. It answers INVITE with 200
 * and an SDP, takes the ACK, and answers BYE (and anything else but ACK) with 200.
 */
export async function startTlsUas(address: string, port: number, files: CertificateFiles): Promise<TlsUas> {
  const received: TlsRequest[] = [];
  const sockets = new Set<TLSSocket>();
  let connections = 0;
  const server = createServer({ cert: readFileSync(files.cert), key: readFileSync(files.key) }, (socket) => {
    const connection = ++connections;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    const stream = new SipStream();
    socket.on("data", (chunk: Buffer) => {
      for (const message of stream.push(chunk)) {
        const method = /^([A-Z]+) \S+ SIP\/2\.0\r\n/.exec(message)?.[1];
        if (!method) continue; // a response: this UAS sends no requests
        received.push({ method, text: message, peer: socket.remoteAddress ?? "", connection });
        // Over TLS nothing is retransmitted, so each INVITE can get a fresh To tag.
        const answer = reply(message, method, `${address}:${port}`, randomBytes(6).toString("hex"));
        if (answer) socket.write(answer);
      }
    });
  });
  let failedHandshakes = 0;
  server.on("tlsClientError", () => failedHandshakes++);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve());
  });
  return {
    address: `${address}:${port}`,
    // The edge's OPTIONS probes come at any time: left out (docs/edge.md, "Destination health").
    requests: () => received.filter((r) => !isProbe(r)),
    invites: () => received.filter((r) => r.method === "INVITE").map((r) => r.text),
    failedHandshakes: () => failedHandshakes,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** How a client checks the server's certificate: against `ca`, for the name `servername`, as a verifying PBX does. */
export interface TlsVerify {
  ca: string | Buffer;
  servername: string;
}

/**
 * Sends `request` over a new TLS connection from `from` to `to` (ip:port), not checking the
 * server's certificate unless `verify` says how, and resolves with the first message back and
 * that certificate.
 */
export function tlsRequest(from: string, to: string, request: string, verify?: TlsVerify): Promise<{ response: string; certificate: PeerCertificate }> {
  const [host, port] = to.split(":") as [string, string];
  return new Promise((resolve, reject) => {
    // From a chosen address: TCP first, then TLS over it.
    const tcp = netConnect({ host, port: Number(port), localAddress: from });
    const checks = verify ? { rejectUnauthorized: true, ca: verify.ca, servername: verify.servername } : { rejectUnauthorized: false };
    const socket = connect({ socket: tcp, ...checks }, () => socket.write(request));
    const stream = new SipStream();
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer from ${to} over TLS within 5 s`)));
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => {
      const [response] = stream.push(chunk);
      if (response === undefined) return;
      resolve({ response, certificate: socket.getPeerCertificate() });
      socket.end();
    });
  });
}
