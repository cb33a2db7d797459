import { createHmac, timingSafeEqual } from "node:crypto";
import type { CallPosition } from "../../../domain/calls.js";
import { ValidationError } from "../../../domain/errors.js";

export type CursorKind = "After" | "Before";

/**
 * Before/After cursors: the list position, sealed with an HMAC over the position, the direction,
 * the account and the list's filters. A cursor cannot be forged, nor replayed on another account
 * or another filter: such a cursor is a 400, never somebody else's rows.
 */
export class CursorCodec {
  constructor(private readonly key: Buffer) {}

  private mac(payload: string, scope: string): Buffer {
    return createHmac("sha256", this.key).update(payload).update("\n").update(scope).digest().subarray(0, 16);
  }

  /** `scope` names the account and the filters the cursor is good for. */
  encode(kind: CursorKind, position: CallPosition, scope: string): string {
    const payload = Buffer.from(JSON.stringify([kind, position.startedAt, position.id])).toString("base64url");
    return `${payload}.${this.mac(payload, scope).toString("base64url")}`;
  }

  decode(kind: CursorKind, token: string, scope: string): CallPosition {
    const invalid = () => ValidationError.of(kind, `${kind} is not a valid cursor for this list (take it from PrevPageUri or NextPageUri of the same query)`);
    const m = /^([A-Za-z0-9_-]{1,200})\.([A-Za-z0-9_-]{22})$/.exec(token);
    if (!m) throw invalid();
    const payload = m[1] as string;
    const given = Buffer.from(m[2] as string, "base64url");
    if (given.length !== 16 || !timingSafeEqual(given, this.mac(payload, scope))) throw invalid();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      throw invalid();
    }
    if (!Array.isArray(parsed) || parsed[0] !== kind || typeof parsed[1] !== "string" || !Number.isInteger(parsed[2])) throw invalid();
    return { startedAt: parsed[1], id: parsed[2] as number };
  }
}
