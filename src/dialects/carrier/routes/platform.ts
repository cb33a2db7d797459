import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Account } from "../../../domain/types.js";
import { ValidationError } from "../../../domain/errors.js";
import type { AppDeps } from "../../../http/deps.js";
import { nullableStr as NullableS, str as S } from "../../../http/openapiSchemas.js";
import type { AccountWithCounts } from "../../../services/accounts.js";
import { edgeViews, mediaRelayViews, type EdgeView, type MediaRelayView } from "../../../services/platform.js";
import { callerOf } from "../auth.js";
import { sendDocument, sendError } from "../document.js";
import { pageLinks, parseCursor } from "../paging.js";
import { isQueryParameter } from "../query.js";
import { JsonApiErrorDocument } from "../responses.js";

/**
 * Extensions of the carrier API for consoles (docs/carrier.md, "Accounts and the platform"): the
 * caller's own account for every token, and for operators (docs/operators.md) every account and
 * what /readyz knows of the SIP edges and media relays. Read-only.
 */

const TIME = "ISO 8601 UTC";
const self = Type.Object({ self: S("The resource's URL") });
const AccountAttributes = Type.Object({
  name: S("Display name (the sid when none was given)"),
  operator: Type.Boolean({ description: "May act on every account (docs/operators.md)" }),
  created_at: S(TIME),
  updated_at: S(TIME),
  sip_trunk_count: Type.Optional(Type.Integer({ minimum: 0, description: "In the operator listing: the account's SIP trunks" })),
});
const AccountResource = Type.Object({ id: S("The account sid (the Exotel paths' account_sid)"), type: Type.Literal("account"), attributes: AccountAttributes, links: self });
const EdgeResource = Type.Object({
  id: S("The edge's JSON-RPC URL (what it registers under)"),
  type: Type.Literal("edge"),
  attributes: Type.Object({
    state: S("in_sync, syncing, degraded (an update failed; retried), down (heartbeat stopped) or unknown (registered a moment ago)"),
    rpc_url: S(),
    sip_address: NullableS("host:port callers and PBXs use"),
    region: NullableS(),
    version: NullableS("trunkline version the edge runs"),
    started_at: NullableS(TIME),
    last_seen_at: NullableS(`Its last heartbeat, ${TIME}; null for an edge only configured (TRUNKLINE_EDGE_RPC_URLS)`),
    configured: Type.Boolean({ description: "Listed in TRUNKLINE_EDGE_RPC_URLS" }),
    failed_updates: Type.Integer({ minimum: 0, description: "Updates to it that failed, since this API process started" }),
    last_error: NullableS(),
  }),
});
const MediaRelayResource = Type.Object({
  id: S("The relay's ng address (what it registers under)"),
  type: Type.Literal("media_relay"),
  attributes: Type.Object({
    state: S("up, down (does not answer ng, or heartbeat stopped) or stopped"),
    ng_address: S("ip:port of its control protocol"),
    media_address: S("The address RTP is relayed on (the advertised one behind NAT)"),
    sessions: Type.Union([Type.Integer(), Type.Null()], { description: "Sessions it holds now; null when it did not answer" }),
    last_seen_at: S(`Its last heartbeat, ${TIME}`),
    last_error: NullableS(),
  }),
});
const pageLinksSchema = Type.Object({ prev: NullableS("Full URL of the previous page, or null"), next: NullableS("Full URL of the next page, or null") });
const AccountsQuery = Type.Object(
  { "page[size]": Type.Optional(S("1 to 100 (default 10)")), "page[after]": Type.Optional(S("Account id: the page after it (sid order)")), "page[before]": Type.Optional(S("Account id: the page before it")) },
  { additionalProperties: true },
);
const forbidden = { 403: Type.Ref(JsonApiErrorDocument, { description: "Only operator accounts may read this (code forbidden)" }) };
const SID = /^[A-Za-z0-9_-]{1,64}$/;

export function renderAccount(a: Account | AccountWithCounts, self: string) {
  return {
    id: a.sid,
    type: "account" as const,
    attributes: { name: a.name ?? a.sid, operator: a.operator === true, created_at: a.createdAt, updated_at: a.updatedAt, ...("sipTrunkCount" in a ? { sip_trunk_count: a.sipTrunkCount } : {}) },
    links: { self },
  };
}

function renderEdge(e: EdgeView) {
  return {
    id: e.rpcUrl,
    type: "edge" as const,
    attributes: { state: e.state, rpc_url: e.rpcUrl, sip_address: e.sipAddress, region: e.region, version: e.version, started_at: e.startedAt, last_seen_at: e.lastSeenAt, configured: e.configured, failed_updates: e.failedUpdates, last_error: e.lastError },
  };
}

function renderMediaRelay(r: MediaRelayView) {
  return { id: r.ngAddress, type: "media_relay" as const, attributes: { state: r.state, ng_address: r.ngAddress, media_address: r.mediaAddress, sessions: r.sessions, last_seen_at: r.lastSeenAt, last_error: r.lastError } };
}

/** `/carrier/v1/account` (any token), `/accounts`, `/edges`, `/media_relays` (operators only). */
export function registerPlatformRoutes(app: FastifyInstance, { services, config, store, edge, media }: AppDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const base = (req: FastifyRequest) => `${config.publicUrl ?? `${req.protocol}://${req.host}`}/carrier/v1`;
  const caller = (req: FastifyRequest) => req.account as Account;
  /** Runs after the dialect's auth hook: a non-operator's token is valid, just not enough. */
  const operatorOnly = async (req: FastifyRequest, reply: FastifyReply) => {
    if (callerOf(req).operator !== true) return sendError(reply, 403, "forbidden", "Forbidden", "Only an operator account may read this (docs/operators.md)");
  };
  const accountTags = ["Carrier: accounts"];
  const platformTags = ["Carrier: platform"];

  api.get("/account", { schema: { tags: accountTags, operationId: "getOwnAccount", summary: "The caller's own account", response: { 200: Type.Object({ data: AccountResource }, { description: "The account the token belongs to" }) } } }, async (req, reply) => {
    // The login itself: a cached one is dropped whenever accounts change (AccountService).
    return sendDocument(reply, 200, { data: renderAccount(caller(req), `${base(req)}/account`) });
  });

  api.get(
    "/accounts",
    {
      schema: { tags: accountTags, operationId: "listAccounts", summary: "List accounts (operators only; sid order, by cursor)", querystring: AccountsQuery, response: { 200: Type.Object({ data: Type.Array(AccountResource), links: pageLinksSchema }, { description: "A page of accounts, with their trunk counts" }), ...forbidden } },
      attachValidation: true,
      preHandler: operatorOnly,
    },
    async (req, reply) => {
      const query = req.query as Record<string, unknown>;
      // No filters, sorting, includes or fieldsets: refused rather than ignored, as on sip_trunks (a
      // client must not believe a list was narrowed or sorted).
      const unsupported = Object.keys(query).find((key) => !key.startsWith("page[") && isQueryParameter(key));
      if (unsupported !== undefined) throw ValidationError.of(unsupported, `${unsupported} is not supported: accounts are listed in sid order, by page[size], page[after] and page[before]`);
      const cursor = parseCursor(query);
      for (const [key, sid] of [["page[after]", cursor.after], ["page[before]", cursor.before]] as const) {
        if (sid !== undefined && !SID.test(sid)) throw ValidationError.of(key, `${key} must be an account id`);
      }
      const page = await services.accounts.page(cursor.size, cursor);
      const url = `${base(req)}/accounts`;
      return sendDocument(reply, 200, {
        data: page.items.map((a) => renderAccount(a, `${url}/${a.sid}`)),
        links: pageLinks(url, cursor.size, page.items.map((a) => a.sid), page.hasPrev, page.hasNext),
      });
    },
  );

  api.get("/edges", { schema: { tags: platformTags, operationId: "listEdges", summary: "The SIP edges and their sync state (operators only)", response: { 200: Type.Object({ data: Type.Array(EdgeResource) }, { description: "Every edge this API process knows (registered or configured), by RPC URL" }), ...forbidden } }, preHandler: operatorOnly }, async (_req, reply) => {
    const edges = await edgeViews(store, edge, config.edgeForgetAfterSeconds);
    return sendDocument(reply, 200, { data: edges.map(renderEdge) });
  });

  api.get("/media_relays", { schema: { tags: platformTags, operationId: "listMediaRelays", summary: "The media relays and their state (operators only)", response: { 200: Type.Object({ data: Type.Array(MediaRelayResource) }, { description: "Every registered media relay, by ng address" }) , ...forbidden } }, preHandler: operatorOnly }, async (_req, reply) => {
    return sendDocument(reply, 200, { data: mediaRelayViews(media).map(renderMediaRelay) });
  });
}
