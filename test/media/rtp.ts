import { createSocket, type Socket } from "node:dgram";

/**
 * Media for the media tests: a UDP socket that sends real RTP packets (PCMU, 160-byte
 * payload) and counts what arrives, and the few SDP facts the tests assert on.
 */

export interface RtpPacket {
  /** ip:port it came from. */
  from: string;
  ssrc: number;
  seq: number;
  payloadType: number;
  /** The whole datagram (header + payload, as received: SRTP stays encrypted). */
  raw: Buffer;
}

export interface RtpPeer {
  /** The address it is bound to. */
  host: string;
  port: number;
  received(): RtpPacket[];
  /** Sends `count` packets to host:port, every `intervalMs` (default 5: loopback, the tests count packets, not time); `transform` may encrypt each (SRTP). */
  send(to: { host: string; port: number }, count: number, options?: { intervalMs?: number; ssrc?: number; transform?: (packet: Buffer) => Buffer }): Promise<void>;
  close(): void;
}

/** An RTP packet: version 2, no padding/extension/CSRC, marker on the first. */
export function rtpPacket(seq: number, timestamp: number, ssrc: number, payload: Buffer, payloadType = 0): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = (seq === 0 ? 0x80 : 0) | payloadType;
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE(timestamp >>> 0, 4);
  header.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([header, payload]);
}

/** A UDP socket on host (port 0: any free one) that records every RTP packet it receives (RTCP and others are left out). */
export async function rtpPeer(host: string, port = 0): Promise<RtpPeer> {
  const socket: Socket = createSocket("udp4");
  const packets: RtpPacket[] = [];
  socket.on("message", (msg, rinfo) => {
    // RTP: version 2, payload types below 72 (RTCP's 200-204 read as 72-76 with the marker bit).
    if (msg.length < 12 || msg[0] === undefined || msg[0] >> 6 !== 2 || ((msg[1] ?? 0) & 0x7f) >= 72) return;
    packets.push({ from: `${rinfo.address}:${rinfo.port}`, ssrc: msg.readUInt32BE(8), seq: msg.readUInt16BE(2), payloadType: (msg[1] ?? 0) & 0x7f, raw: msg });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => resolve());
  });
  const bound = socket.address().port;
  return {
    host,
    port: bound,
    received: () => [...packets],
    async send(to, count, options = {}) {
      const ssrc = options.ssrc ?? (bound * 7919) >>> 0;
      const payload = Buffer.alloc(160, 0xff);
      for (let i = 0; i < count; i++) {
        let packet = rtpPacket(i, i * 160, ssrc, payload);
        if (options.transform) packet = options.transform(packet);
        await new Promise<void>((resolve, reject) => socket.send(packet, to.port, to.host, (e) => (e ? reject(e) : resolve())));
        await new Promise((r) => setTimeout(r, options.intervalMs ?? 5));
      }
    },
    close: () => socket.close(),
  };
}

/** An audio SDP offering PCMU at host:port; `proto` RTP/AVP or RTP/SAVP (with `crypto` lines). */
export function audioSdp(host: string, port: number, options: { proto?: string; crypto?: string[]; session?: number; origin?: string } = {}): string {
  return [
    "v=0",
    `o=- ${options.session ?? 1} 1 IN IP4 ${options.origin ?? host}`,
    "s=-",
    `c=IN IP4 ${host}`,
    "t=0 0",
    `m=audio ${port} ${options.proto ?? "RTP/AVP"} 0`,
    "a=rtpmap:0 PCMU/8000",
    ...(options.crypto ?? []).map((c) => `a=crypto:${c}`),
    "a=sendrecv",
    "",
  ].join("\r\n");
}

export interface SdpFacts {
  /** Every address in o= and c= lines. */
  addresses: string[];
  /** Where the (first) audio stream is to be sent: the c= address and the m=audio port. */
  host: string;
  port: number;
  /** The m=audio line's transport protocol. */
  proto: string;
  /** a=crypto lines (without "a=crypto:"). */
  crypto: string[];
  /** ICE candidates (a=candidate). */
  candidates: number;
}

/** The body of a SIP message (after the blank line). */
export function bodyOf(message: string): string {
  const at = message.indexOf("\r\n\r\n");
  return at < 0 ? "" : message.slice(at + 4);
}

/** Reads the facts the tests check from an SDP body; fails loudly on anything that is not one. */
export function sdpFacts(sdp: string): SdpFacts {
  const lines = sdp.split(/\r?\n/);
  const addresses = lines.flatMap((l) => {
    const m = /^[oc]=.*IN IP[46] (\S+)/.exec(l);
    return m ? [m[1] as string] : [];
  });
  const media = lines.find((l) => l.startsWith("m=audio "));
  if (!media) throw new Error(`no m=audio line in SDP:\n${sdp}`);
  const [, port, proto] = media.split(" ");
  // The media-level c= wins over the session-level one.
  const connections = lines.filter((l) => l.startsWith("c="));
  const host = /IN IP[46] (\S+)/.exec(connections[connections.length - 1] ?? "")?.[1] ?? "";
  return {
    addresses,
    host,
    port: Number(port),
    proto: proto ?? "",
    crypto: lines.filter((l) => l.startsWith("a=crypto:")).map((l) => l.slice("a=crypto:".length)),
    candidates: lines.filter((l) => l.startsWith("a=candidate")).length,
  };
}
