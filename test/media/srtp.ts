import { createCipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * SDES-SRTP for the media tests (RFC 3711, suite AES_CM_128_HMAC_SHA1_80 of RFC 4568): enough to
 * play the far end of a secure trunk's leg — encrypt what it sends with its own key, and decrypt
 * (checking the authentication tag) what the edge's relay sends it with the key the relay offered.
 * Packets stay below 2^16 per stream here, so the rollover counter is always 0.
 */

export const SUITE = "AES_CM_128_HMAC_SHA1_80";
const TAG_LENGTH = 10;

interface SessionKeys {
  encryption: Buffer;
  auth: Buffer;
  salt: Buffer;
}

/** AES-128 in counter mode from `iv`: the keystream XORed into `data`. */
function aesCm(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const cipher = createCipheriv("aes-128-ctr", key, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** RFC 3711 4.3.1 with key derivation rate 0: label 0 encryption key, 1 auth key, 2 salt. */
function deriveKeys(masterKey: Buffer, masterSalt: Buffer): SessionKeys {
  const derive = (label: number, length: number) => {
    const x = Buffer.concat([masterSalt, Buffer.alloc(2)]);
    x[7] = (x[7] ?? 0) ^ label;
    return aesCm(masterKey, x, Buffer.alloc(length));
  };
  return { encryption: derive(0, 16), auth: derive(1, 20), salt: derive(2, 14) };
}

/** The master key and salt of an `inline:` key parameter (base64 of 30 bytes). */
export function keyFromCrypto(line: string): { key: Buffer; salt: Buffer } {
  const inline = /inline:([A-Za-z0-9+/=]+)/.exec(line)?.[1];
  if (!inline) throw new Error(`no inline key in a=crypto:${line}`);
  const material = Buffer.from(inline, "base64");
  if (material.length !== 30) throw new Error(`an ${SUITE} key is 30 bytes, got ${material.length}`);
  return { key: material.subarray(0, 16), salt: material.subarray(16) };
}

/** A fresh key, and its a=crypto value under `tag`. */
export function newCrypto(tag: number): { line: string; key: Buffer; salt: Buffer } {
  const material = randomBytes(30);
  return { line: `${tag} ${SUITE} inline:${material.toString("base64")}`, key: material.subarray(0, 16), salt: material.subarray(16) };
}

function packetIv(salt: Buffer, ssrc: number, index: number): Buffer {
  const iv = Buffer.concat([salt, Buffer.alloc(2)]);
  const ssrcBytes = Buffer.alloc(4);
  ssrcBytes.writeUInt32BE(ssrc >>> 0);
  for (let i = 0; i < 4; i++) iv[4 + i] = (iv[4 + i] ?? 0) ^ (ssrcBytes[i] ?? 0);
  const indexBytes = Buffer.alloc(6);
  indexBytes.writeUIntBE(index, 0, 6);
  for (let i = 0; i < 6; i++) iv[8 + i] = (iv[8 + i] ?? 0) ^ (indexBytes[i] ?? 0);
  return iv;
}

const authTag = (keys: SessionKeys, authenticated: Buffer) => createHmac("sha1", keys.auth).update(Buffer.concat([authenticated, Buffer.alloc(4)])).digest().subarray(0, TAG_LENGTH);

/** One direction of an SRTP stream (one master key). Header without CSRCs or extensions (what rtpPacket makes, and rtpengine relays). */
export class SrtpContext {
  private readonly keys: SessionKeys;

  constructor(master: { key: Buffer; salt: Buffer }) {
    this.keys = deriveKeys(master.key, master.salt);
  }

  protect(packet: Buffer): Buffer {
    const header = packet.subarray(0, 12);
    const iv = packetIv(this.keys.salt, packet.readUInt32BE(8), packet.readUInt16BE(2));
    const body = Buffer.concat([header, aesCm(this.keys.encryption, iv, packet.subarray(12))]);
    return Buffer.concat([body, authTag(this.keys, body)]);
  }

  /** The plain packet, or undefined when the authentication tag does not match (wrong key, not SRTP). */
  unprotect(packet: Buffer): Buffer | undefined {
    if (packet.length < 12 + TAG_LENGTH) return undefined;
    const body = packet.subarray(0, packet.length - TAG_LENGTH);
    const tag = packet.subarray(packet.length - TAG_LENGTH);
    if (!timingSafeEqual(tag, authTag(this.keys, body))) return undefined;
    const iv = packetIv(this.keys.salt, body.readUInt32BE(8), body.readUInt16BE(2));
    return Buffer.concat([body.subarray(0, 12), aesCm(this.keys.encryption, iv, body.subarray(12))]);
  }
}
