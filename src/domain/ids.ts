import { randomInt, randomUUID } from "node:crypto";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

/** Random string from a CSPRNG, uniform over the alphabet (randomInt rejects modulo bias). */
export function randomString(length: number, alphabet: string = ALNUM): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export const TRUNK_SID_LENGTH = 28;

/** "tr" + region code + lowercase alphanumerics, 28 characters, like `trmum1f708622631150902801a1n`. */
export function newTrunkSid(regionCode: string): string {
  const head = `tr${regionCode}`;
  return head + randomString(TRUNK_SID_LENGTH - head.length, LOWER_ALNUM);
}

export function newUuid(): string {
  return randomUUID();
}

/** Exotel trunk credentials: 16 alphanumerics. */
export function newTrunkPassword(): string {
  return randomString(16);
}

/** Carrier client credentials: a unique username and a 24-character password. */
export function newClientUsername(): string {
  return `cc${randomString(18, LOWER_ALNUM)}`;
}
export function newClientPassword(): string {
  return randomString(24);
}

export function newApiToken(): string {
  return randomString(32);
}
export function newApiKey(): string {
  return randomString(24, LOWER_ALNUM);
}
