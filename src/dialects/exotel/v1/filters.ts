import { isCallStatus, type CallDirection, type CallFilter, type CallStatus } from "../../../domain/calls.js";
import { ValidationError, type ValidationIssue } from "../../../domain/errors.js";
import { nowIso } from "../../../domain/time.js";

export const PAGE_SIZE_DEFAULT = 50;
export const PAGE_SIZE_MAX = 100;
/** The longest DateCreated range, and the default one (the last 31 days). */
export const MAX_RANGE_DAYS = 31;
const DAY_MS = 86_400_000;
const MAX_SIDS = 100;
const MAX_NUMBERS = 5;

/** The bulk list request, parsed. `canonical` is its filters as a query string, in a fixed order. */
export interface CallListRequest {
  filter: CallFilter;
  order: "asc" | "desc";
  pageSize: number;
  details: boolean;
  after?: string;
  before?: string;
  /** Filters and SortBy (not PageSize, details or cursors): what a cursor is sealed to, and what page URIs repeat. */
  canonical: URLSearchParams;
}

const DIRECTIONS: ReadonlyMap<string, CallDirection[]> = new Map([
  ["inbound", ["inbound"]],
  ["outbound-dial", ["outbound"]],
  // The platform places no calls of its own through an API: matches nothing.
  ["outbound-api", []],
]);

const TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** `YYYY-MM-DD HH:mm:ss` (UTC) → ISO, or undefined when it is no such time. */
export function parseTime(text: string): string | undefined {
  if (!TIME.test(text)) return undefined;
  const iso = `${text.slice(0, 10)}T${text.slice(11)}Z`;
  const d = new Date(iso);
  return !Number.isNaN(d.getTime()) && nowIso(d) === iso ? iso : undefined;
}

function exotelTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** `gte:…;lte:…` / `eq:…` → the bounds given, or undefined when malformed. */
function parseBounds(text: string, ops: readonly string[]): Map<string, string> | undefined {
  const out = new Map<string, string>();
  for (const part of text.split(";")) {
    const i = part.indexOf(":");
    const op = i > 0 ? part.slice(0, i) : "";
    if (!ops.includes(op) || out.has(op)) return undefined;
    out.set(op, part.slice(i + 1));
  }
  return out;
}

/** v1 query parameters read one by one, every mistake collected under its parameter's name (one 400 names them). */
export function queryReader(query: Record<string, unknown>) {
  const issues: ValidationIssue[] = [];
  const bad = (field: string, message: string) => issues.push({ field, kind: "invalid", message });
  const text = (name: string): string | undefined => {
    const v = query[name];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v === "") {
      bad(name, `${name} must be given once, with a value`);
      return undefined;
    }
    return v;
  };
  return { issues, bad, text };
}

export function parseCallListQuery(query: Record<string, unknown>, now: Date = new Date()): CallListRequest {
  const { issues, bad, text } = queryReader(query);
  const list = (name: string, max: number, valid: RegExp, what: string): string[] | undefined => {
    const v = text(name);
    if (v === undefined) return undefined;
    // A "+" sent unencoded arrives as a space: "+9122…" read as " 9122…" is still that number.
    const items = v.split(",").map((s) => s.replace(/^ (?=\d)/, "+").trim());
    if (items.length > max) bad(name, `${name} takes at most ${max} values, got ${items.length}`);
    else if (!items.every((s) => valid.test(s))) bad(name, `${name} must be ${what}, comma-separated`);
    else return [...new Set(items)];
    return undefined;
  };
  const filter: CallFilter = {};
  const canonical = new URLSearchParams();

  const sids = list("Sid", MAX_SIDS, /^[A-Za-z0-9]{1,64}$/, "call sids (letters and digits)");
  if (sids) {
    filter.sids = sids;
    canonical.set("Sid", sids.join(","));
  }

  // DateCreated: either bound alone is a range of MAX_RANGE_DAYS from it; none, the last 31 days.
  const dateText = text("DateCreated");
  let gte: string | undefined;
  let lte: string | undefined;
  if (dateText !== undefined) {
    const bounds = parseBounds(dateText, ["gte", "lte"]);
    const g = bounds?.get("gte");
    const l = bounds?.get("lte");
    gte = g === undefined ? undefined : parseTime(g);
    lte = l === undefined ? undefined : parseTime(l);
    if (!bounds || (g !== undefined && !gte) || (l !== undefined && !lte)) {
      bad("DateCreated", "DateCreated must be gte:YYYY-MM-DD HH:mm:ss;lte:YYYY-MM-DD HH:mm:ss (UTC; either bound alone allowed)");
    }
  }
  if (!issues.some((i) => i.field === "DateCreated")) {
    if (gte === undefined && lte === undefined) lte = nowIso(now);
    if (gte === undefined) gte = nowIso(new Date(Date.parse(lte as string) - MAX_RANGE_DAYS * DAY_MS));
    if (lte === undefined) lte = nowIso(new Date(Date.parse(gte) + MAX_RANGE_DAYS * DAY_MS));
    const span = Date.parse(lte) - Date.parse(gte);
    if (span < 0) bad("DateCreated", "DateCreated gte must not be after lte");
    else if (span > MAX_RANGE_DAYS * DAY_MS) bad("DateCreated", `DateCreated range must not exceed one month (${MAX_RANGE_DAYS} days)`);
    else {
      filter.startedFrom = gte;
      filter.startedTo = lte;
      canonical.set("DateCreated", `gte:${exotelTime(gte)};lte:${exotelTime(lte)}`);
    }
  }

  const number = /^[^\s,;]{1,64}$/;
  const to = list("To", MAX_NUMBERS, number, "numbers");
  if (to) {
    filter.toNumbers = to;
    canonical.set("To", to.join(","));
  }
  const from = list("From", MAX_NUMBERS, number, "numbers");
  if (from) {
    filter.fromNumbers = from;
    canonical.set("From", from.join(","));
  }

  const statusText = text("Status");
  if (statusText !== undefined) {
    const statuses = [...new Set(statusText.split(",").map((s) => s.trim()))];
    const unknown = statuses.filter((s) => !isCallStatus(s));
    if (unknown.length) bad("Status", `Status must be one of completed, failed, busy, no-answer, canceled (got ${unknown.join(", ")})`);
    else {
      filter.statuses = statuses as CallStatus[];
      canonical.set("Status", statuses.join(","));
    }
  }

  const durationText = text("Duration");
  if (durationText !== undefined) {
    const bounds = parseBounds(durationText, ["gte", "lte", "eq"]);
    const secs = (v: string | undefined) => (v === undefined ? undefined : /^\d{1,9}s?$/.test(v) ? Number.parseInt(v, 10) : NaN);
    const eq = secs(bounds?.get("eq"));
    const min = eq ?? secs(bounds?.get("gte"));
    const max = eq ?? secs(bounds?.get("lte"));
    if (!bounds || Number.isNaN(min) || Number.isNaN(max) || (eq !== undefined && bounds.size > 1)) {
      bad("Duration", "Duration must be gte:Ns;lte:Ns (either alone) or eq:Ns, in seconds");
    } else {
      if (min !== undefined) filter.durationMin = min;
      if (max !== undefined) filter.durationMax = max;
      canonical.set("Duration", [min !== undefined ? `gte:${min}s` : "", max !== undefined ? `lte:${max}s` : ""].filter(Boolean).join(";"));
    }
  }

  if (query.Price !== undefined) bad("Price", "Price is not supported: call records carry no price");

  const directionText = text("Direction");
  if (directionText !== undefined) {
    const wire = [...new Set(directionText.split(",").map((s) => s.trim()))];
    const unknown = wire.filter((d) => !DIRECTIONS.has(d));
    if (unknown.length) bad("Direction", `Direction must be one of inbound, outbound-dial, outbound-api (got ${unknown.join(", ")})`);
    else {
      filter.directions = wire.flatMap((d) => DIRECTIONS.get(d) ?? []);
      canonical.set("Direction", wire.join(","));
    }
  }

  const phoneNumbers = list("PhoneNumber", MAX_NUMBERS, number, "numbers");
  if (phoneNumbers) {
    filter.phoneNumbers = phoneNumbers;
    canonical.set("PhoneNumber", phoneNumbers.join(","));
  }

  const trunkSid = text("TrunkSid");
  if (trunkSid !== undefined) {
    if (!/^[A-Za-z0-9]{1,64}$/.test(trunkSid)) bad("TrunkSid", "TrunkSid must be a trunk sid (letters and digits)");
    else {
      filter.trunk = { sid: trunkSid };
      canonical.set("TrunkSid", trunkSid);
    }
  }

  let order: "asc" | "desc" = "desc";
  const sortBy = text("SortBy");
  if (sortBy !== undefined) {
    if (sortBy === "DateCreated:asc" || sortBy === "DateCreated:desc") order = sortBy === "DateCreated:asc" ? "asc" : "desc";
    else bad("SortBy", "SortBy must be DateCreated:asc or DateCreated:desc");
  }
  canonical.set("SortBy", `DateCreated:${order}`);

  let pageSize = PAGE_SIZE_DEFAULT;
  const sizeText = text("PageSize");
  if (sizeText !== undefined) {
    pageSize = /^\d{1,3}$/.test(sizeText) ? Number(sizeText) : NaN;
    if (!(pageSize >= 1 && pageSize <= PAGE_SIZE_MAX)) bad("PageSize", `PageSize must be an integer between 1 and ${PAGE_SIZE_MAX}`);
  }

  const details = text("details");
  if (details !== undefined && details !== "true" && details !== "false") bad("details", "details must be true or false");

  const after = text("After");
  const before = text("Before");
  if (after !== undefined && before !== undefined) bad("Before", "Before cannot be combined with After");

  if (issues.length) throw new ValidationError(issues);
  return { filter, order, pageSize, details: details === "true", canonical, ...(after !== undefined ? { after } : {}), ...(before !== undefined ? { before } : {}) };
}
