import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { STATS_BUCKET_SECONDS, STATS_MAX_BUCKETS, STATS_MAX_RANGE_DAYS, statsWindow, type CallStats, type CallStatsQuery } from "../../../domain/calls.js";
import { ValidationError } from "../../../domain/errors.js";
import type { AppDeps } from "../../../http/deps.js";
import { nullableStr as NullableS, str as S } from "../../../http/openapiSchemas.js";
import { typed } from "../routes/children.js";
import { parseTime, queryReader } from "./filters.js";
import { exotelTime } from "./render.js";

/**
 * `GET /v1/Accounts/{sid}/Calls/Stats.json` (extension, docs/exotel.md "Call stats"): calls,
 * answered and failed calls per time bucket over a range, for charts. "Answered" is status
 * completed, "failed" every other status.
 */

const TIME = "YYYY-MM-DD HH:mm:ss, UTC";
const q = (description: string) => Type.Optional(Type.String({ description }));
const StatsQuery = Type.Object({
  StartTime: q(`${TIME}; inclusive. Default: EndTime less 24 hours`),
  EndTime: q(`${TIME}; exclusive. Default: StartTime plus 24 hours, or (neither given) now rounded up to a whole bucket`),
  BucketSeconds: q(`Bucket size, ${STATS_BUCKET_SECONDS.min} to ${STATS_BUCKET_SECONDS.max} (default ${STATS_BUCKET_SECONDS.default}); at most ${STATS_MAX_BUCKETS} buckets`),
  TrunkSid: q("Only calls in or out over this trunk"),
});
const Count = Type.Integer({ minimum: 0 });
const Bucket = Type.Object({ Start: S(TIME), Calls: Count, Answered: Count, Failed: Count });
const StatsResponse = Type.Object(
  {
    Stats: Type.Object({
      StartTime: S(TIME),
      EndTime: S(TIME),
      BucketSeconds: Type.Integer(),
      TrunkSid: NullableS(),
      Totals: Type.Object({ Calls: Count, Answered: Count, Failed: Count, AnswerRate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: "Answered / Calls; null without calls" }) }),
      Buckets: Type.Array(Bucket, { description: "Every bucket of the range, oldest first, zeros included; the last one ends at EndTime" }),
    }),
  },
  {
    description: "Calls per bucket",
    examples: [
      {
        Stats: {
          StartTime: "2026-11-30 08:00:00",
          EndTime: "2026-11-30 08:02:00",
          BucketSeconds: 60,
          TrunkSid: null,
          Totals: { Calls: 3, Answered: 2, Failed: 1, AnswerRate: 0.6667 },
          Buckets: [
            { Start: "2026-11-30 08:00:00", Calls: 3, Answered: 2, Failed: 1 },
            { Start: "2026-11-30 08:01:00", Calls: 0, Answered: 0, Failed: 0 },
          ],
        },
      },
    ],
  },
);

/** The query, judged: every mistake named by its parameter (400). */
export function parseStatsQuery(query: Record<string, unknown>, now: Date = new Date()): CallStatsQuery {
  const { issues, bad, text } = queryReader(query);
  const time = (name: string): string | undefined => {
    const v = text(name);
    if (v === undefined) return undefined;
    const iso = parseTime(v);
    if (!iso) bad(name, `${name} must be a UTC time as YYYY-MM-DD HH:mm:ss`);
    return iso;
  };
  const { min, max } = STATS_BUCKET_SECONDS;
  let bucketSeconds: number = STATS_BUCKET_SECONDS.default;
  const bucketText = text("BucketSeconds");
  if (bucketText !== undefined) {
    bucketSeconds = /^\d{1,5}$/.test(bucketText) ? Number(bucketText) : NaN;
    if (!(bucketSeconds >= min && bucketSeconds <= max)) bad("BucketSeconds", `BucketSeconds must be an integer between ${min} and ${max}`);
  }
  const start = time("StartTime");
  const end = time("EndTime");
  const trunkSid = text("TrunkSid");
  if (trunkSid !== undefined && !/^[A-Za-z0-9]{1,64}$/.test(trunkSid)) bad("TrunkSid", "TrunkSid must be a trunk sid (letters and digits)");
  if (issues.length) throw new ValidationError(issues);

  const window = statsWindow(start, end, bucketSeconds, now);
  if ("problem" in window) {
    if (window.problem === "end_not_after_start") bad("EndTime", "EndTime must be after StartTime");
    else if (window.problem === "range_too_long") bad("EndTime", `EndTime must be at most ${STATS_MAX_RANGE_DAYS} days after StartTime`);
    else bad("BucketSeconds", `BucketSeconds ${bucketSeconds} makes ${window.buckets} buckets of this range; at most ${STATS_MAX_BUCKETS}: use larger buckets or a shorter range`);
    throw new ValidationError(issues);
  }
  return { ...window, bucketSeconds, ...(trunkSid !== undefined ? { trunk: { sid: trunkSid } } : {}) };
}

export function renderStats(stats: CallStats, trunkSid: string | null) {
  const t = stats.totals;
  return {
    Stats: {
      StartTime: exotelTime(stats.from),
      EndTime: exotelTime(stats.to),
      BucketSeconds: stats.bucketSeconds,
      TrunkSid: trunkSid,
      Totals: { Calls: t.calls, Answered: t.answered, Failed: t.failed, AnswerRate: t.answerRate },
      Buckets: stats.buckets.map((b) => ({ Start: exotelTime(b.start), Calls: b.calls, Answered: b.answered, Failed: b.failed })),
    },
  };
}

export function registerCallStatsRoutes(app: FastifyInstance, { services }: AppDeps): void {
  const api = typed(app);
  // Only the `.json` form: without it the path is a call's (`Calls/{call_sid}`), and Stats no call sid.
  api.get("/Accounts/:account_sid/Calls/Stats.json", {
        schema: {
          tags: ["Exotel v1: call details"],
          operationId: "getCallStats",
          summary: "Calls per time bucket (extension)",
          description: `Calls, answered (status completed) and failed (any other status) calls per bucket over a range of at most ${STATS_MAX_RANGE_DAYS} days.`,
          params: Type.Object({ account_sid: Type.String() }),
          querystring: StatsQuery,
          response: { 200: StatsResponse },
        },
        attachValidation: true,
      }, async (req) => {
      const query = parseStatsQuery(req.query as Record<string, unknown>);
      const stats = await services.calls.stats(req.params.account_sid, query);
      return renderStats(stats, query.trunk && "sid" in query.trunk ? query.trunk.sid : null);
    });
}
