/**
 * Call records as the control plane reads them. The SIP edge writes them (docs/calls.md); the API
 * only reads, filters and prunes them. Times are ISO 8601 UTC strings without millis.
 */

export const CALL_STATUSES = ["completed", "busy", "no-answer", "canceled", "failed"] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const CALL_DIRECTIONS = ["inbound", "outbound"] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

export function isCallStatus(value: string): value is CallStatus {
  return (CALL_STATUSES as readonly string[]).includes(value);
}

/** A failed destination of a call that failed over. */
export interface CallHop {
  hop: number;
  destination: string;
  sipCode: number;
  sipReason: string;
  at: string;
}

/** A trunk as a call record names it: each dialect shows its own id. */
export interface CallTrunk {
  sid: string;
  uuid: string;
}

/** What the media relay reported for a call just before its session was deleted. */
export interface CallMedia {
  /** The rtpengine (ng address) that relayed it. */
  relay: string;
  /** RTP packets and bytes relayed, both directions together; packets it could not relay. Null when the relay did not answer. */
  packets: number | null;
  bytes: number | null;
  errors: number | null;
}

export interface CallRecord {
  sid: string;
  accountSid: string;
  trunkIn: CallTrunk | null;
  trunkOut: CallTrunk | null;
  direction: CallDirection | null;
  from: string;
  to: string;
  dialString: string | null;
  phoneNumber: string | null;
  status: CallStatus;
  sipCode: number;
  sipReason: string;
  destinationFirst: string | null;
  destination: string | null;
  attempts: number;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string;
  duration: number;
  ringMs: number | null;
  edgeId: string | null;
  callId: string;
  /** The relay that anchored an answered call's media and its RTP counters (both directions); null without one. */
  media: CallMedia | null;
  /** Present when asked for (Exotel `details=true`, always on the carrier wire). */
  hops?: CallHop[];
}

/** Where a page starts or ends: the keyset of the list order. */
export interface CallPosition {
  startedAt: string;
  id: number;
}

/** What a list is narrowed to; every field optional, all given ones must hold (AND). */
export interface CallFilter {
  sids?: string[];
  /** started_at >= / <= (ISO). */
  startedFrom?: string;
  startedTo?: string;
  fromNumbers?: string[];
  toNumbers?: string[];
  statuses?: CallStatus[];
  durationMin?: number;
  durationMax?: number;
  /** An empty list matches nothing (e.g. Exotel's outbound-api: the platform places no API calls). */
  directions?: CallDirection[];
  phoneNumbers?: string[];
  /** A trunk of the account the call came in on or went out over. */
  trunk?: { sid: string } | { uuid: string };
}

export interface CallListQuery {
  filter: CallFilter;
  order: "asc" | "desc";
  limit: number;
  /** Rows after this position in the list order (the next page). */
  after?: CallPosition;
  /** Rows before this position in the list order (the previous page). */
  before?: CallPosition;
  withHops: boolean;
}

export interface CallPage {
  items: (CallRecord & { position: CallPosition })[];
  hasPrev: boolean;
  hasNext: boolean;
}

/** Calls per time bucket (the console's chart): `[from, to)` cut into buckets of `bucketSeconds`. */
export interface CallStatsQuery {
  /** ISO, inclusive. */
  from: string;
  /** ISO, exclusive. */
  to: string;
  bucketSeconds: number;
  /** Only calls in or out over this trunk of the account. */
  trunk?: { sid: string } | { uuid: string };
}

export interface CallStatsBucket {
  /** ISO start of the bucket. */
  start: string;
  calls: number;
  /** Status completed. */
  answered: number;
  /** Every other status. */
  failed: number;
}

export interface CallStats {
  from: string;
  to: string;
  bucketSeconds: number;
  totals: { calls: number; answered: number; failed: number; answerRate: number | null };
  /** Every bucket of the range, oldest first, zeros included. */
  buckets: CallStatsBucket[];
}

/** The longest stats range, and the most buckets one answer holds. */
export const STATS_MAX_RANGE_DAYS = 31;
export const STATS_MAX_BUCKETS = 3000;
export const STATS_BUCKET_SECONDS = { min: 60, max: 3600, default: 60 } as const;

/** Why a stats window cannot be served (each dialect words it with its own parameter names). */
export type StatsWindowProblem = { problem: "end_not_after_start" } | { problem: "range_too_long" } | { problem: "too_many_buckets"; buckets: number };

/**
 * The window of a stats request: either bound alone spans 24 hours from it; neither, the 24 hours
 * up to the end of the bucket now is in (so a chart's buckets stay put between refreshes). ISO
 * bounds in, ISO `[from, to)` out, or why not.
 */
export function statsWindow(start: string | undefined, end: string | undefined, bucketSeconds: number, now: Date = new Date()): { from: string; to: string } | StatsWindowProblem {
  const DAY_MS = 86_400_000;
  const bucketMs = bucketSeconds * 1000;
  let from: number;
  let to: number;
  if (start === undefined && end === undefined) {
    to = Math.ceil((now.getTime() + 1) / bucketMs) * bucketMs;
    from = to - DAY_MS;
  } else {
    from = start !== undefined ? Date.parse(start) : Date.parse(end as string) - DAY_MS;
    to = end !== undefined ? Date.parse(end) : from + DAY_MS;
  }
  if (to <= from) return { problem: "end_not_after_start" };
  if (to - from > STATS_MAX_RANGE_DAYS * DAY_MS) return { problem: "range_too_long" };
  const buckets = Math.ceil((to - from) / bucketMs);
  if (buckets > STATS_MAX_BUCKETS) return { problem: "too_many_buckets", buckets };
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  return { from: iso(from), to: iso(to) };
}
