import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ValidationError } from "../../../domain/errors.js";
import type { AppDeps } from "../../../http/deps.js";
import type { Destination, TrunkDetail } from "../../../domain/types.js";
import type { NewTrunk } from "../../../services/trunkInput.js";
import { sendDocument } from "../document.js";
import { pageLinks, parseCursor } from "../paging.js";
import { readSipTrunkDocument } from "../parse.js";
import { readQueryOptions, type QueryOptions } from "../query.js";
import { UNKNOWN_HEALTH } from "../../../edge/health.js";
import { renderSipTrunk } from "../render.js";
import { carrierNotFound, clientGeneratedId, sipTrunkDocument, SipTrunkListDocument, unprocessable } from "../responses.js";
import { CreateSipTrunkDocument, ListQuery, SipTrunkParams, UpdateSipTrunkDocument } from "../schemas.js";

const tags = ["Carrier: SIP trunks"];
/** Extension (docs/carrier.md): the trunk of that exact name, or an empty list. */
const NAME_FILTER = "filter[name]";
const NAME_TEXT = /^[^\p{Cc}]{1,255}$/u;
const ListNameQuery = Type.Composite([ListQuery, Type.Object({ [NAME_FILTER]: Type.Optional(Type.String({ description: "Extension: only the trunk with exactly this name (an empty list when none); not combined with page[after]/page[before]" })) })], { additionalProperties: true });

/** `/carrier/v1/sip_trunks` and `/carrier/v1/sip_trunks/:id`; the trunk is addressed by its UUID. */
export function registerSipTrunkRoutes(app: FastifyInstance, { services, config, edge }: AppDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const collectionUrl = (req: FastifyRequest) => `${config.publicUrl ?? `${req.protocol}://${req.host}`}/carrier/v1/sip_trunks`;
  const accountSid = (req: FastifyRequest) => (req.account as { sid: string }).sid;
  const health = (d: Destination) => edge?.health.of(d) ?? UNKNOWN_HEALTH;
  /** The trunk as the resource this request asked for (its sparse fieldset applied); `base`: the collection's URL, once per page. */
  const resource = (req: FastifyRequest, trunk: TrunkDetail, fields: QueryOptions["fields"], base = collectionUrl(req)) => renderSipTrunk(trunk, `${base}/${trunk.uuid}`, fields, edge?.live.activeCalls(trunk.id) ?? 0, health);

  /** Reads the document and reports the dialect's and the domain's problems together. */
  const readOrThrow = (req: FastifyRequest, urlId?: string) => {
    const { patch, issues } = readSipTrunkDocument(req.body, req.validationError?.validation, urlId);
    const all = [...issues, ...services.trunks.validate(patch)];
    if (all.length) throw new ValidationError(all);
    return patch;
  };

  // The schema documents the parameters; parseCursor judges them (a repeated one included) so
  // every paging mistake is the same 400 naming its parameter.
  api.get("/sip_trunks", { schema: { tags, operationId: "listSipTrunks", summary: "List SIP trunks (newest first, by cursor; filter[name]: the one so named)", querystring: ListNameQuery, response: { 200: SipTrunkListDocument } }, attachValidation: true }, async (req, reply) => {
    const { [NAME_FILTER]: name, ...query } = req.query as Record<string, unknown>;
    const { fields } = readQueryOptions(query);
    const cursor = parseCursor(query);
    if (name !== undefined) {
      // An exact name is at most one trunk (names are unique per account): one page, no cursor.
      if (typeof name !== "string" || !NAME_TEXT.test(name)) throw ValidationError.of(NAME_FILTER, `${NAME_FILTER} must be given once, 1 to 255 characters without control characters`);
      if (cursor.after !== undefined || cursor.before !== undefined) throw ValidationError.of(NAME_FILTER, `${NAME_FILTER} names one trunk: it cannot be combined with page[after] or page[before]`);
      const trunk = await services.trunks.findDetailByName(accountSid(req), name);
      return sendDocument(reply, 200, { data: trunk ? [resource(req, trunk, fields)] : [], links: { prev: null, next: null } });
    }
    const page = await services.trunks.listByKeyset(accountSid(req), cursor.size, cursor);
    const base = collectionUrl(req);
    const ids = page.items.map((t) => t.uuid);
    return sendDocument(reply, 200, {
      data: page.items.map((t) => resource(req, t, fields, base)),
      links: pageLinks(base, cursor.size, ids, page.hasNewer, page.hasOlder),
    });
  });

  api.post("/sip_trunks", {
      schema: {
        tags,
        operationId: "createSipTrunk",
        summary: "Create a SIP trunk",
        body: CreateSipTrunkDocument,
        response: {
          201: { ...sipTrunkDocument("Created; Location names the trunk"), headers: { location: { type: "string", description: "The trunk's URL" } } },
          ...clientGeneratedId,
          ...unprocessable,
        },
      },
      attachValidation: true,
    }, async (req, reply) => {
    const { fields } = readQueryOptions(req.query as Record<string, unknown>);
    const patch = readOrThrow(req) as NewTrunk;
    const trunk = await services.trunks.create(accountSid(req), patch);
    const data = resource(req, trunk, fields);
    reply.header("location", data.links.self);
    return sendDocument(reply, 201, { data });
  });

  api.get("/sip_trunks/:id", { schema: { tags, operationId: "getSipTrunk", summary: "Get a SIP trunk", params: SipTrunkParams, response: { 200: sipTrunkDocument("The SIP trunk"), ...carrierNotFound("The SIP trunk") } } }, async (req, reply) => {
    const { fields } = readQueryOptions(req.query as Record<string, unknown>);
    const trunk = await services.trunks.getDetail(accountSid(req), { uuid: req.params.id });
    return sendDocument(reply, 200, { data: resource(req, trunk, fields) });
  });

  api.patch(
    "/sip_trunks/:id",
    {
      schema: {
        tags,
        operationId: "updateSipTrunk",
        summary: "Update a SIP trunk (only the attributes given)",
        params: SipTrunkParams,
        body: UpdateSipTrunkDocument,
        response: { 200: sipTrunkDocument("The SIP trunk as updated"), ...carrierNotFound("The SIP trunk"), ...unprocessable },
      },
      attachValidation: true,
    },
    async (req, reply) => {
      const { fields } = readQueryOptions(req.query as Record<string, unknown>);
      // An unknown id is 404 whatever the body says: look it up first.
      await services.trunks.get(accountSid(req), { uuid: req.params.id });
      const patch = readOrThrow(req, req.params.id);
      const trunk = await services.trunks.update(accountSid(req), { uuid: req.params.id }, patch);
      return sendDocument(reply, 200, { data: resource(req, trunk, fields) });
    },
  );

  api.delete("/sip_trunks/:id", { schema: { tags, operationId: "deleteSipTrunk", summary: "Delete a SIP trunk; answers with it as it was", params: SipTrunkParams, response: { 200: sipTrunkDocument("The SIP trunk as it was"), ...carrierNotFound("The SIP trunk") } } }, async (req, reply) => {
    const { fields } = readQueryOptions(req.query as Record<string, unknown>);
    const trunk = await services.trunks.delete(accountSid(req), { uuid: req.params.id });
    return sendDocument(reply, 200, { data: resource(req, trunk, fields) });
  });
}
