import { createSocket, type Socket } from "node:dgram";

/** G.711 at 20 ms: 160 bytes of payload after the 12-byte RTP header, 50 packets a second. */
export const G711_PAYLOAD = 160;
export const G711_PPS = 50;

/** One RTP packet (version 2, payload type 8 = PCMA), `seq` and `ssrc` in place. */
export function rtpPacket(seq: number, ssrc: number, payloadType = 8): Buffer {
  const b = Buffer.alloc(12 + G711_PAYLOAD, 0xd5); // 0xd5: A-law silence
  b[0] = 0x80;
  b[1] = payloadType;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 160) >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  return b;
}

/** A UDP endpoint of a media stream: where it listens (for the SDP) and what it received. */
export interface RtpEndpoint {
  socket: Socket;
  host: string;
  port: number;
  received: number;
}

export async function rtpEndpoint(host: string): Promise<RtpEndpoint> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, host, () => resolve());
  });
  const e: RtpEndpoint = { socket, host, port: socket.address().port, received: 0 };
  socket.on("message", () => e.received++);
  return e;
}

/** An SDP offer or answer for one G.711 A-law audio stream at `e`. */
export function g711Sdp(e: { host: string; port: number }, session: number): string {
  return [
    "v=0",
    `o=- ${session} 1 IN IP4 ${e.host}`,
    "s=-",
    `c=IN IP4 ${e.host}`,
    "t=0 0",
    `m=audio ${e.port} RTP/AVP 8`,
    "a=rtpmap:8 PCMA/8000",
    "a=ptime:20",
    "a=sendrecv",
    "",
  ].join("\r\n");
}

/** The connection address and audio port an SDP names (where its owner wants media sent). */
export function sdpTarget(sdp: string): { host: string; port: number } {
  const host = /^c=IN IP4 (\S+)/m.exec(sdp)?.[1];
  const port = /^m=audio (\d+) /m.exec(sdp)?.[1];
  if (!host || !port) throw new Error(`no audio address in SDP:\n${sdp}`);
  return { host, port: Number(port) };
}

export interface Stream {
  /** An endpoint whose socket is connected to where it sends (connectStreams). */
  from: RtpEndpoint;
  ssrc: number;
  seq: number;
  packet?: Buffer;
}

/** Connects each stream's socket to its target: sends then skip the per-packet address lookup. */
export async function connectStream(from: RtpEndpoint, to: { host: string; port: number }): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    from.socket.once("error", reject);
    from.socket.connect(to.port, to.host, () => {
      from.socket.off("error", reject);
      resolve();
    });
  });
}

/**
 * Sends packets round-robin over `streams` at `pps` packets a second in total for `seconds`,
 * paced: every millisecond tick sends the packets due by then (a second's worth is never sent as
 * one burst). Returns how many were sent and the sender's worst backlog behind its schedule.
 */
export async function pacedSend(streams: Stream[], pps: number, seconds: number): Promise<{ sent: number; lateMs: number }> {
  for (const s of streams) s.packet ??= rtpPacket(0, s.ssrc);
  const total = Math.floor(pps * seconds);
  const t0 = performance.now();
  let sent = 0;
  let next = 0;
  let maxLate = 0;
  while (sent < total) {
    const elapsed = performance.now() - t0;
    if (elapsed > seconds * 1000 + 2000) break; // never past the bound, even when it cannot keep up
    const due = Math.min(total, Math.floor((elapsed / 1000) * pps) + 1);
    maxLate = Math.max(maxLate, ((due - sent) / pps) * 1000);
    while (sent < due) {
      const s = streams[next] as Stream;
      next = (next + 1) % streams.length;
      const p = s.packet as Buffer;
      s.seq = (s.seq + 1) & 0xffff;
      // libuv hands an unqueued UDP datagram to the kernel within send(), so the buffer is reused.
      p.writeUInt16BE(s.seq, 2);
      p.writeUInt32BE((s.seq * 160) >>> 0, 4);
      s.from.socket.send(p);
      sent++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  return { sent, lateMs: maxLate };
}
