import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../../../http/deps.js";
import { sendData } from "../envelope.js";
import { renderTrunkMap } from "../render.js";
import { exotelData, ExotelTrunkMap, notFound } from "../responses.js";
import { AccountParams } from "../schemas.js";
import { typed } from "./children.js";

const TrunkMapQuery = Type.Object({ exophone: Type.String({ description: "E.164 number, e.g. +919876543210 (send the + as %2B)" }) });

/**
 * A literal `+` in a query string decodes as a space, so `?exophone=+9198...` arrives as
 * " 9198...": read a leading space before digits as the `+` the client meant.
 */
export function exophoneFromQuery(raw: string): string {
  return /^ \d/.test(raw) ? `+${raw.slice(1)}` : raw;
}

/** Which trunk of the caller's account a number is mapped to. */
export function registerTrunkMapRoutes(app: FastifyInstance, { services }: AppDeps): void {
  typed(app).get(
    "/accounts/:account_sid/trunk-maps",
    {
      schema: {
        tags: ["Exotel v2: trunk maps"],
        operationId: "getTrunkMap",
        summary: "Find the trunk a number is mapped to",
        params: AccountParams,
        querystring: TrunkMapQuery,
        response: { 200: exotelData(Type.Ref(ExotelTrunkMap), "The trunk the number is mapped to"), ...notFound("the number is not mapped on this account") },
      },
    },
    async (req, reply) => {
      const exophone = exophoneFromQuery(req.query.exophone);
      const mapping = await services.phoneNumbers.lookup(req.params.account_sid, exophone);
      return sendData(req, reply, renderTrunkMap(exophone, mapping));
    },
  );
}
