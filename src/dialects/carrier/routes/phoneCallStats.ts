import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { STATS_BUCKET_SECONDS, STATS_MAX_BUCKETS, STATS_MAX_RANGE_DAYS, statsWindow, type CallStatsQuery } from "../../../domain/calls.js";
import { ValidationError, type ValidationIssue } from "../../../domain/errors.js";
import { nowIso } from "../../../domain/time.js";
import type { AppDeps } from "../../../http/deps.js";
import { nullableStr as NullableS, str as S } from "../../../http/openapiSchemas.js";
import { sendDocument } from "../document.js";

/**
 * `GET /carrier/v1/phone_call_stats` (extension): the twin of Exotel v1's Calls/Stats.json — calls,
 * answered (completed) and failed calls per time bucket — as a JSON:API document with only `meta`
 * (the numbers describe a range, no resource).
 */

const PARAMS = ["filter[sip_trunk_id]", "filter[created_at][gte]", "filter[created_at][lt]", "bucket[seconds]"] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIME = "ISO 8601 UTC, YYYY-MM-DDTHH:MM:SSZ";
const q = (description: string) => Type.Optional(Type.String({ description }));
const StatsQuery = Type.Object(
  {
    "filter[sip_trunk_id]": q("Only calls in or out over this SIP trunk (UUID)"),
    "filter[created_at][gte]": q(`${TIME}; the first bucket's start. Default: [lt] less 24 hours`),
    "filter[created_at][lt]": q(`${TIME}; exclusive. Default: [gte] plus 24 hours, or (neither given) now rounded up to a whole bucket`),
    "bucket[seconds]": q(`${STATS_BUCKET_SECONDS.min} to ${STATS_BUCKET_SECONDS.max} (default ${STATS_BUCKET_SECONDS.default}); at most ${STATS_MAX_BUCKETS} buckets in at most ${STATS_MAX_RANGE_DAYS} days`),
  },
  { additionalProperties: true },
);
const Count = Type.Integer({ minimum: 0 });
const StatsDocument = Type.Object(
  {
    meta: Type.Object({
      start: S(TIME),
      end: S(TIME),
      bucket_seconds: Type.Integer(),
      sip_trunk_id: NullableS(),
      totals: Type.Object({ calls: Count, answered: Count, failed: Count, answer_rate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]) }),
      buckets: Type.Array(Type.Object({ start: S(TIME), calls: Count, answered: Count, failed: Count }), { description: "Every bucket, oldest first, zeros included" }),
    }),
  },
  { description: "Calls per bucket (answered: status completed; failed: any other)" },
);

function readStatsQuery(query: Record<string, unknown>, now: Date): CallStatsQuery {
  const issues: ValidationIssue[] = [];
  const bad = (field: string, message: string) => issues.push({ field, kind: "invalid", message });
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(query)) {
    if (!(PARAMS as readonly string[]).includes(key)) {
      if (key === "filter" || key.startsWith("filter[") || key.startsWith("page[") || key === "sort" || key === "include" || key.startsWith("fields[")) bad(key, `${key} is not supported (parameters: ${PARAMS.join(", ")})`);
      continue;
    }
    if (typeof value !== "string" || value === "") bad(key, `${key} must be given once, with a value`);
    else values.set(key, value);
  }
  const time = (key: string): string | undefined => {
    const v = values.get(key);
    if (v === undefined) return undefined;
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(v) ? Date.parse(v) : NaN;
    if (Number.isNaN(ms) || nowIso(new Date(ms)) !== v) bad(key, `${key} must be a UTC time in ISO 8601 (YYYY-MM-DDTHH:MM:SSZ)`);
    else return v;
    return undefined;
  };
  const { min, max } = STATS_BUCKET_SECONDS;
  const bucketText = values.get("bucket[seconds]");
  const bucketSeconds = bucketText === undefined ? STATS_BUCKET_SECONDS.default : /^\d{1,5}$/.test(bucketText) ? Number(bucketText) : NaN;
  if (!(bucketSeconds >= min && bucketSeconds <= max)) bad("bucket[seconds]", `bucket[seconds] must be an integer between ${min} and ${max}`);
  const start = time("filter[created_at][gte]");
  const end = time("filter[created_at][lt]");
  const trunk = values.get("filter[sip_trunk_id]");
  if (trunk !== undefined && !UUID.test(trunk)) bad("filter[sip_trunk_id]", "filter[sip_trunk_id] must be a sip_trunk id (UUID)");
  if (issues.length) throw new ValidationError(issues);
  const window = statsWindow(start, end, bucketSeconds, now);
  if ("problem" in window) {
    if (window.problem === "end_not_after_start") bad("filter[created_at][lt]", "filter[created_at][lt] must be after filter[created_at][gte]");
    else if (window.problem === "range_too_long") bad("filter[created_at][lt]", `filter[created_at][lt] must be at most ${STATS_MAX_RANGE_DAYS} days after filter[created_at][gte]`);
    else bad("bucket[seconds]", `bucket[seconds] ${bucketSeconds} makes ${window.buckets} buckets of this range; at most ${STATS_MAX_BUCKETS}: use larger buckets or a shorter range`);
    throw new ValidationError(issues);
  }
  return { ...window, bucketSeconds, ...(trunk !== undefined ? { trunk: { uuid: trunk.toLowerCase() } } : {}) };
}

export function registerPhoneCallStatsRoutes(app: FastifyInstance, { services }: AppDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const accountSid = (req: FastifyRequest) => (req.account as { sid: string }).sid;
  api.get(
    "/phone_call_stats",
    { schema: { tags: ["Carrier: phone calls"], operationId: "getPhoneCallStats", summary: "Phone calls per time bucket (extension)", querystring: StatsQuery, response: { 200: StatsDocument } }, attachValidation: true },
    async (req, reply) => {
      const query = readStatsQuery(req.query as Record<string, unknown>, new Date());
      const stats = await services.calls.stats(accountSid(req), query);
      const t = stats.totals;
      return sendDocument(reply, 200, {
        meta: {
          start: stats.from,
          end: stats.to,
          bucket_seconds: stats.bucketSeconds,
          sip_trunk_id: query.trunk && "uuid" in query.trunk ? query.trunk.uuid : null,
          totals: { calls: t.calls, answered: t.answered, failed: t.failed, answer_rate: t.answerRate },
          buckets: stats.buckets.map((b) => ({ start: b.start, calls: b.calls, answered: b.answered, failed: b.failed })),
        },
      });
    },
  );
}
