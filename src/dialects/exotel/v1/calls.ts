import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { CallPosition } from "../../../domain/calls.js";
import type { AppDeps } from "../../../http/deps.js";
import { typed } from "../routes/children.js";
import { CursorCodec } from "./cursor.js";
import { CallNotFound } from "./errors.js";
import { parseCallListQuery } from "./filters.js";
import { renderCall } from "./render.js";
import { V1CallList, V1CallResponse, v1NotFound } from "./responses.js";

const AccountParams = Type.Object({ account_sid: Type.String() });
const CallParams = Type.Object({ account_sid: Type.String(), call_sid: Type.String({ description: "Call sid; `.json` may be appended" }) });
const CallQuery = Type.Object({ details: Type.Optional(Type.String({ description: "true: add the Details block (legs, failover hops)" })) });
const q = (description: string) => Type.Optional(Type.String({ description }));
const ListQuery = Type.Object({
  Sid: q("One or comma-separated call sids (at most 100)"),
  DateCreated: q("gte:YYYY-MM-DD HH:mm:ss;lte:YYYY-MM-DD HH:mm:ss, UTC; at most 31 days; default the last 31 days"),
  To: q("One or comma-separated called numbers (at most 5)"),
  From: q("One or comma-separated calling numbers (at most 5)"),
  Status: q("completed, failed, busy, no-answer, canceled (comma-separated)"),
  Duration: q("gte:10s;lte:45s or eq:30s"),
  Direction: q("inbound, outbound-dial or outbound-api"),
  PhoneNumber: q("One or comma-separated platform numbers (at most 5)"),
  TrunkSid: q("Ours: calls in or out over this trunk"),
  PageSize: q("Default 50, at most 100"),
  SortBy: q("DateCreated:asc or DateCreated:desc (default)"),
  Before: q("Cursor from PrevPageUri"),
  After: q("Cursor from NextPageUri"),
  details: q("true: add the Details block"),
});

/** Exotel v1 Call Details: one call and the bulk list, JSON on both the bare and the `.json` paths. */
export function registerCallRoutes(app: FastifyInstance, { services }: AppDeps): void {
  const api = typed(app);
  const tags = ["Exotel v1: call details"];
  const cursors = new CursorCodec(services.ctx.secrets.deriveKey("trunkline exotel v1 call list cursor"));

  for (const suffix of ["", ".json"]) {
    api.get(`/Accounts/:account_sid/Calls${suffix}`, {
        schema: {
          tags,
          // The `.json` form is the same operation: documented once, under Exotel's own path.
          hide: suffix === "",
          operationId: "listCalls",
          summary: "List calls (finished ones), newest first by default",
          description: "Also served without `.json` (the same JSON).",
          params: AccountParams,
          querystring: ListQuery,
          response: { 200: V1CallList },
        },
        attachValidation: true,
      }, async (req) => {
      const accountSid = req.params.account_sid;
      const parsed = parseCallListQuery(req.query as Record<string, unknown>);
      const scope = `${accountSid}\n${parsed.canonical.toString()}`;
      const after = parsed.after !== undefined ? cursors.decode("After", parsed.after, scope) : undefined;
      const before = parsed.before !== undefined ? cursors.decode("Before", parsed.before, scope) : undefined;
      const page = await services.calls.list(accountSid, {
        filter: parsed.filter,
        order: parsed.order,
        limit: parsed.pageSize,
        withHops: parsed.details,
        ...(after ? { after } : {}),
        ...(before ? { before } : {}),
      });
      const path = req.url.split("?")[0] as string;
      const uri = (cursor?: ["After" | "Before", CallPosition]) => {
        const params = new URLSearchParams(parsed.canonical);
        params.set("PageSize", String(parsed.pageSize));
        if (parsed.details) params.set("details", "true");
        if (cursor) params.set(cursor[0], cursors.encode(cursor[0], cursor[1], scope));
        return `${path}?${params.toString()}`;
      };
      const first = page.items[0];
      const last = page.items[page.items.length - 1];
      return {
        Metadata: {
          PageSize: parsed.pageSize,
          FirstPageUri: uri(),
          PrevPageUri: page.hasPrev && first ? uri(["Before", first.position]) : null,
          NextPageUri: page.hasNext && last ? uri(["After", last.position]) : null,
        },
        Calls: page.items.map((c) => renderCall(c, parsed.details)),
      };
    });
  }

  api.get("/Accounts/:account_sid/Calls/:call_sid", {
      schema: { tags, operationId: "getCall", summary: "Get a call", params: CallParams, querystring: CallQuery, response: { 200: V1CallResponse, ...v1NotFound } },
      attachValidation: true,
    }, async (req) => {
    const sid = req.params.call_sid.replace(/\.json$/, "");
    const details = (req.query as Record<string, unknown>).details === "true";
    const call = /^[A-Za-z0-9]{1,64}$/.test(sid) ? await services.calls.get(req.params.account_sid, sid, details) : undefined;
    if (!call) throw new CallNotFound(sid);
    return { Call: renderCall(call, details) };
  });
}
