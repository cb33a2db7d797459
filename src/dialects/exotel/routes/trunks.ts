import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../../../http/deps.js";
import { ValidationError } from "../../../domain/errors.js";
import type { Trunk } from "../../../domain/types.js";
import { sendData, sendList } from "../envelope.js";
import { listMetadata } from "../paging.js";
import { parsePaging, requireAnyOf } from "../parse.js";
import { renderTrunk } from "../render.js";
import { checkAuthType, checkDomainName, checkNsoCode, checkTrunkName } from "../trunkRules.js";
import { conflict, exotelData, exotelList, ExotelTrunk, notFound } from "../responses.js";
import { AccountParams, PagingFields, TrunkParams } from "../schemas.js";
import { typed } from "./children.js";

const CreateTrunkBody = Type.Object(
  {
    trunk_name: Type.String({ description: "Unique name (max 16 chars, alphanumeric + underscore)" }),
    nso_code: Type.String({ description: "Network service operator code: ANY-ANY" }),
    domain_name: Type.String({ description: "{account_sid}.pstn.exotel.com" }),
  },
  { examples: [{ trunk_name: "outbound_trunk", nso_code: "ANY-ANY", domain_name: "exoteltest.pstn.exotel.com" }] },
);
const UpdateTrunkBody = Type.Object({
  trunk_name: Type.Optional(Type.String()),
  nso_code: Type.Optional(Type.String()),
  auth_type: Type.Optional(Type.String({ description: "IP-WHITELIST or CREDENTIAL" })),
});
const TrunkRef = Type.Ref(ExotelTrunk);
const TrunkQuery = Type.Object({
  trunk_sid: Type.Optional(Type.String({ description: "Only this trunk" })),
  trunk_name: Type.Optional(Type.String({ description: "Extension: only trunks whose name starts with this text (case-sensitive, 1 to 64 characters), listed in name order" })),
  ...PagingFields,
});
/** Printable text: a prefix of some name (control characters never are, and would only be echoed back in page URIs). */
const NAME_PREFIX = /^[^\p{Cc}]{1,64}$/u;
const DeleteTrunkQuery = Type.Object({ trunk_sid: Type.String() });

export function registerTrunkRoutes(app: FastifyInstance, { services, config, edge }: AppDeps): void {
  const api = typed(app);
  const tags = ["Exotel v2: trunks"];
  const url = "/accounts/:account_sid/trunks";
  /** A trunk as GET shows it: with its live calls (kept in memory by src/edge/live.ts). */
  const withLive = (t: Trunk) => renderTrunk(t, edge?.live.activeCalls(t.id) ?? 0);

  api.post(url, { schema: { tags, operationId: "createTrunk", summary: "Create trunk", params: AccountParams, body: CreateTrunkBody, response: { 200: exotelData(TrunkRef, "The trunk"), ...conflict("a trunk with that name exists") } } }, async (req, reply) => {
    const { trunk_name, nso_code, domain_name } = req.body;
    checkTrunkName(trunk_name);
    checkNsoCode(nso_code);
    checkDomainName(domain_name, config.sipDomainSuffix);
    const trunk = await services.trunks.create(req.params.account_sid, { name: trunk_name, nsoCode: nso_code, domainName: domain_name, withTrunkCredential: true });
    return sendData(req, reply, renderTrunk(trunk));
  });

  api.get(url, { schema: { tags, operationId: "listTrunks", summary: "List trunks (oldest first; by name with trunk_name)", params: AccountParams, querystring: TrunkQuery, response: { 200: exotelList(TrunkRef, "A page of trunks") } } }, async (req, reply) => {
    const { offset, pageSize } = parsePaging(req.query);
    const { trunk_sid: sid, trunk_name: name } = req.query;
    if (name !== undefined && !NAME_PREFIX.test(name)) throw ValidationError.of("trunk_name", "trunk_name must be 1 to 64 characters without control characters");
    const page = await services.trunks.listByOffset(req.params.account_sid, offset, pageSize, sid, name);
    const extra = (sid !== undefined ? `&trunk_sid=${encodeURIComponent(sid)}` : "") + (name !== undefined ? `&trunk_name=${encodeURIComponent(name)}` : "");
    return sendList(req, reply, page.items.map(withLive), listMetadata(`/v2/accounts/${req.params.account_sid}/trunks`, offset, pageSize, page.hasMore, extra));
  });

  api.get(`${url}/:trunk_sid`, { schema: { tags, operationId: "getTrunk", summary: "Get trunk", params: TrunkParams, response: { 200: exotelData(TrunkRef, "The trunk, with active_calls"), ...notFound("no such trunk") } } }, async (req, reply) => {
    const trunk = await services.trunks.get(req.params.account_sid, { sid: req.params.trunk_sid });
    return sendData(req, reply, withLive(trunk));
  });

  api.put(`${url}/:trunk_sid`, { schema: { tags, operationId: "updateTrunk", summary: "Update trunk", params: TrunkParams, body: UpdateTrunkBody, response: { 200: exotelData(TrunkRef, "The trunk as updated"), ...notFound("no such trunk"), ...conflict("a trunk with that name exists") } } }, async (req, reply) => {
    const { trunk_name, nso_code, auth_type } = req.body;
    requireAnyOf(req.body, ["trunk_name", "nso_code", "auth_type"]);
    if (trunk_name !== undefined) checkTrunkName(trunk_name);
    if (nso_code !== undefined) checkNsoCode(nso_code);
    if (auth_type !== undefined) checkAuthType(auth_type);
    const trunk = await services.trunks.update(req.params.account_sid, { sid: req.params.trunk_sid }, { name: trunk_name, nsoCode: nso_code, authType: auth_type });
    return sendData(req, reply, renderTrunk(trunk));
  });

  api.delete(url, { schema: { tags, operationId: "deleteTrunk", summary: "Delete trunk and everything on it", params: AccountParams, querystring: DeleteTrunkQuery, response: { 200: exotelData(Type.Null(), "Deleted"), ...notFound("no such trunk") } } }, async (req, reply) => {
    await services.trunks.delete(req.params.account_sid, { sid: req.query.trunk_sid });
    return sendData(req, reply, null);
  });
}
