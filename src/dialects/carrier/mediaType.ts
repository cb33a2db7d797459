import { JSONAPI_MEDIA_TYPE } from "./document.js";

/** One media range of a Content-Type or Accept header: `type/subtype` and its parameters. */
export interface MediaRange {
  type: string;
  params: Map<string, string>;
}

/** `type/subtype; name=value; name="quoted"` (names and the type lower-cased). */
export function parseMediaRange(text: string): MediaRange {
  const [type = "", ...rest] = text.split(";");
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf("=");
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    if (name === "") continue;
    params.set(name, eq < 0 ? "" : p.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1"));
  }
  return { type: type.trim().toLowerCase(), params };
}

/** An Accept header's ranges (commas inside quoted values are not expected in this header). */
export function parseAccept(header: string): MediaRange[] {
  return header
    .split(",")
    .filter((s) => s.trim() !== "")
    .map(parseMediaRange);
}

/**
 * The parameters of a JSON:API media type that this server cannot honour. JSON:API 1.1 allows
 * only `ext` and `profile`; we support no extension (so a non-empty `ext` is one) and ignore
 * profiles. `charset=utf-8` is tolerated: JSON is UTF-8 anyway and some HTTP libraries add it.
 */
export function unsupportedParams(range: MediaRange): string[] {
  const bad: string[] = [];
  for (const [name, value] of range.params) {
    if (name === "profile") continue;
    if (name === "ext" && value.trim() === "") continue;
    if (name === "charset" && value.toLowerCase() === "utf-8") continue;
    bad.push(name === "ext" ? `ext="${value}"` : name);
  }
  return bad;
}

export const isJsonApi = (range: MediaRange) => range.type === JSONAPI_MEDIA_TYPE;
