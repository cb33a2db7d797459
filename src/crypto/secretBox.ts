import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** AES-256-GCM sealing for SIP passwords at rest. Format: "v1:" + base64(iv | tag | ciphertext). */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("secret key must be 32 bytes");
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
  }

  /** A key of its own for another purpose (HKDF-SHA256, `info` names the purpose). */
  deriveKey(info: string): Buffer {
    return Buffer.from(hkdfSync("sha256", this.key, Buffer.alloc(0), info, 32));
  }

  open(sealed: string): string {
    if (!sealed.startsWith("v1:")) throw new Error("unknown secret format");
    const raw = Buffer.from(sealed.slice(3), "base64");
    const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  }
}

function decodeKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (key.length !== 32) throw new Error("TRUNKLINE_SECRET_KEY must be 32 bytes as 64 hex characters or base64");
  return key;
}

/** The key from the environment, else from the key file, created (mode 0600) on first use. */
export function loadSecretKey(envKey: string | undefined, keyFile: string): Buffer {
  if (envKey) return decodeKey(envKey);
  if (existsSync(keyFile)) return decodeKey(readFileSync(keyFile, "utf8"));
  mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // "wx" fails if another process created it meanwhile; then read theirs.
  try {
    writeFileSync(keyFile, key.toString("hex") + "\n", { mode: 0o600, flag: "wx" });
    chmodSync(keyFile, 0o600);
    return key;
  } catch {
    return decodeKey(readFileSync(keyFile, "utf8"));
  }
}
