/** What an Authorization header carries, before any lookup. */
export type PresentedCredentials = { kind: "basic"; user: string; password: string } | { kind: "bearer"; token: string } | { kind: "none" };

/** `scheme value[ anything]`, surrounding whitespace ignored (what `trim().split(/\s+/, 2)` read). */
const AUTHORIZATION = /^\s*(\S+)\s+(\S+)/;

export function readAuthorization(header: string | undefined): PresentedCredentials {
  if (!header) return { kind: "none" };
  const m = AUTHORIZATION.exec(header);
  const scheme = m?.[1];
  const value = m?.[2];
  if (!scheme || !value) return { kind: "none" };
  if (scheme.toLowerCase() === "bearer") return { kind: "bearer", token: value };
  if (scheme.toLowerCase() !== "basic") return { kind: "none" };
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return { kind: "none" };
  return { kind: "basic", user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
