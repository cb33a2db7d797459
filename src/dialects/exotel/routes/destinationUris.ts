import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../../../http/deps.js";
import { LIMITS } from "../../../services/context.js";
import { parseDestination } from "../destination.js";
import { sendBatch, sendData } from "../envelope.js";
import { batchItems } from "../errors.js";
import { parseId, requireAnyOf } from "../parse.js";
import { UNKNOWN_HEALTH } from "../../../edge/health.js";
import { renderDestination } from "../render.js";
import { exotelBatchResponses, exotelData, ExotelDestination, notFound } from "../responses.js";
import { TrunkItemParams, TrunkParams } from "../schemas.js";
import { childUrls, registerCollection, typed } from "./children.js";

const Rank = {
  priority: Type.Optional(Type.Integer({ description: "0 to 65535 (default 0); lower is tried first" })),
  weight: Type.Optional(Type.Integer({ description: "1 to 65535 (default 1); share among equal priorities" })),
};
const AddDestinationsBody = Type.Object({
  destinations: Type.Array(Type.Object({ destination: Type.String({ description: "host:port;transport=tls|tcp" }), ...Rank }), {
    minItems: 1,
    maxItems: LIMITS.batchItems,
  }),
}, { examples: [{ destinations: [{ destination: "203.0.113.50:5061;transport=tls" }] }] });
const UpdateDestinationBody = Type.Object(Rank, { examples: [{ priority: 1, weight: 10 }] });
const DestinationRef = Type.Ref(ExotelDestination);

/** Where a trunk's inbound calls go. Each item of a batch succeeds or fails on its own (207). */
export function registerDestinationRoutes(app: FastifyInstance, { services, edge }: AppDeps): void {
  const api = typed(app);
  const tags = ["Exotel v2: destination URIs"];
  for (const { url, hide } of childUrls("destination-uris")) {
    api.post(url, {
        schema: {
          tags,
          hide,
          ...(hide ? {} : { operationId: "addDestinationUris" }),
          summary: "Add destination URIs",
          params: TrunkParams,
          body: AddDestinationsBody,
          response: { ...exotelBatchResponses(DestinationRef, "destination"), ...notFound("no such trunk") },
        },
      }, async (req, reply) => {
      const inputs = req.body.destinations.map(({ destination, priority, weight }) => {
        const parsed = parseDestination(destination);
        return parsed instanceof Error ? parsed : { ...parsed, priority, weight };
      });
      const results = await services.destinations.addMany(req.params.account_sid, req.params.trunk_sid, inputs);
      return sendBatch(req, reply, batchItems(results, renderDestination));
    });
  }
  for (const { url, hide } of childUrls("destination-uris", "/:id")) {
    api.put(url, {
        schema: {
          tags,
          hide,
          ...(hide ? {} : { operationId: "updateDestinationUri" }),
          summary: "Change a destination's priority or weight",
          params: TrunkItemParams,
          body: UpdateDestinationBody,
          response: { 200: exotelData(DestinationRef, "The destination as updated"), ...notFound("no such trunk or destination") },
        },
      }, async (req, reply) => {
      const { account_sid, trunk_sid, id } = req.params;
      const numericId = parseId(id);
      requireAnyOf(req.body, ["priority", "weight"]);
      const updated = await services.destinations.update(account_sid, trunk_sid, numericId, { priority: req.body.priority, weight: req.body.weight });
      return sendData(req, reply, renderDestination(updated));
    });
  }
  registerCollection(app, {
    segment: "destination-uris",
    tag: tags[0]!,
    noun: "destination URI",
    schema: DestinationRef,
    operation: "DestinationUri",
    render: renderDestination,
    // GET adds the edges' probe state (read-only extension `health`, kept in memory by src/edge/health.ts).
    renderListed: (d) => renderDestination(d, edge?.health.of(d) ?? UNKNOWN_HEALTH),
    list: (account, trunk, p) => services.destinations.list(account, trunk, p.offset, p.pageSize),
    remove: (account, trunk, id) => services.destinations.remove(account, trunk, id),
  });
}
