/**
 * The recent-calls page's state lives in the hash (`#/calls?status=busy&from=…`), so a filtered
 * list can be bookmarked and the back button works; these turn it into v1 list parameters.
 * Times on the page are UTC, as the v1 API shows them (`YYYY-MM-DD HH:mm:ss`).
 */

export const STATUSES = ["completed", "failed", "busy", "no-answer", "canceled"] as const;
export const DIRECTIONS = [
  { value: "inbound", label: "Inbound" },
  { value: "outbound-dial", label: "Outbound" },
] as const;
export const PAGE_SIZE = 25;

/** What the filter form holds (hash params of the same names). */
export interface CallFilters {
  trunk: string;
  status: string;
  direction: string;
  /** `YYYY-MM-DDTHH:mm` (a datetime-local value), read as UTC. */
  from: string;
  to: string;
}

export const FILTER_KEYS = ["trunk", "status", "direction", "from", "to"] as const;

export function filtersOf(params: Record<string, string>): CallFilters {
  return { trunk: params.trunk ?? "", status: params.status ?? "", direction: params.direction ?? "", from: params.from ?? "", to: params.to ?? "" };
}

/** A datetime-local value (`YYYY-MM-DDTHH:mm[:ss]`) as v1's `YYYY-MM-DD HH:mm:ss`; "" when empty. */
export function v1Time(local: string, endOfMinute = false): string {
  if (!local) return "";
  const [date = "", time = ""] = local.split("T");
  const hms = time.length === 5 ? `${time}:${endOfMinute ? "59" : "00"}` : time;
  return `${date} ${hms}`;
}

/** The v1 `DateCreated` filter for a range (either end may be open; the API fills in 31 days). */
export function dateCreated(f: Pick<CallFilters, "from" | "to">): string | undefined {
  const parts = [f.from ? `gte:${v1Time(f.from)}` : "", f.to ? `lte:${v1Time(f.to, true)}` : ""].filter(Boolean);
  return parts.length ? parts.join(";") : undefined;
}

/**
 * A cursor of the v1 list and the DateCreated window of the page URI it came from: the API seals
 * a cursor to its query's filters, and its page URIs always spell the window out (the default
 * "last 31 days" would otherwise move between pages), so later pages repeat that window.
 */
export interface Cursor {
  after?: string | undefined;
  before?: string | undefined;
  window?: string | undefined;
}

/** The list query: filters, page size and at most one cursor. */
export function listQuery(f: CallFilters, cursor: Cursor): Record<string, string> {
  const q: Record<string, string> = { PageSize: String(PAGE_SIZE) };
  if (f.trunk) q.TrunkSid = f.trunk;
  if (f.status) q.Status = f.status;
  if (f.direction) q.Direction = f.direction;
  const dc = (cursor.after || cursor.before) && cursor.window ? cursor.window : dateCreated(f);
  if (dc) q.DateCreated = dc;
  if (cursor.after) q.After = cursor.after;
  else if (cursor.before) q.Before = cursor.before;
  return q;
}

/** The cursor a v1 page URI (`NextPageUri` / `PrevPageUri`) carries, with its window. */
export function cursorOf(uri: string | null | undefined): Cursor | null {
  if (!uri) return null;
  const q = new URLSearchParams(uri.slice(uri.indexOf("?") + 1));
  const window = q.get("DateCreated") ?? undefined;
  const after = q.get("After");
  const before = q.get("Before");
  if (after) return { after, window };
  if (before) return { before, window };
  return null;
}

/** Seconds as `1m 05s` (or `42 s`). */
export function seconds(n: number | string | null | undefined): string {
  if (n === null || n === undefined || n === "") return "—";
  const s = Number(n);
  if (!Number.isFinite(s)) return "—";
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}

/** "inbound" / "outbound-dial" / null, as people say it. */
export function directionLabel(d: string | null | undefined): string {
  if (d === "inbound") return "Inbound";
  if (d === "outbound-dial" || d === "outbound") return "Outbound";
  return "—";
}
