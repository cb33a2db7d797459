import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { runCheck } from "../../../check/run.js";
import type { AppDeps } from "../../../http/deps.js";
import { str as S } from "../../../http/openapiSchemas.js";
import { errorData, sendData, sendError } from "../envelope.js";
import { exotelData, notFound } from "../responses.js";
import { TrunkParams } from "../schemas.js";
import { typed } from "./children.js";

const CheckStep = Type.Object({
  name: S("numbers, access, destinations, edge, options or sync (stable names, as trunkline check prints them)"),
  ok: Type.Boolean(),
  detail: S("What the step saw"),
  fix: Type.Optional(S("How to fix a failed step")),
});
const CheckResult = Type.Object(
  { ok: Type.Boolean({ description: "Every step passed" }), steps: Type.Array(CheckStep) },
  {
    examples: [
      {
        ok: false,
        steps: [
          { name: "numbers", ok: true, detail: "1 mapped: +919800000401" },
          { name: "access", ok: true, detail: "ACL 203.0.113.10/32" },
          { name: "destinations", ok: true, detail: "sip:203.0.113.50:5060;transport=tcp (priority 0, weight 1)" },
          { name: "edge", ok: false, detail: "no edge is registered in the store: nothing carries this trunk's calls", fix: "start an edge on this store: trunkline up (or trunkline edge)" },
        ],
      },
    ],
  },
);

/**
 * `POST /v2/accounts/{sid}/trunks/{trunk_sid}/check` (extension): the steps of `trunkline check`
 * without `--call`, run by this API process against the platform's registered edges. A check
 * makes the edges send SIP OPTIONS and takes seconds: one at a time per account.
 */
export function registerCheckRoutes(app: FastifyInstance, { services, config }: AppDeps): void {
  const api = typed(app);
  const running = new Set<string>();
  api.post("/accounts/:account_sid/trunks/:trunk_sid/check", {
      schema: {
        tags: ["Exotel v2: trunks"],
        operationId: "checkTrunk",
        summary: "Check that a trunk can carry a call now (extension)",
        description: "The steps of `trunkline check TRUNK` (numbers, access, destinations, then per edge: answering, each destination answering OPTIONS sent from it, its memory in step with the store). No body. 429 while another check of the account runs.",
        params: TrunkParams,
        response: { 200: exotelData(CheckResult, "Each step and whether all passed (a failed step is still 200)"), ...notFound("no such trunk") },
      },
    }, async (req, reply) => {
    const { account_sid, trunk_sid } = req.params;
    // Unknown and another account's trunk alike: the trunk routes' 404.
    const trunk = await services.trunks.get(account_sid, { sid: trunk_sid });
    if (running.has(account_sid)) return sendError(req, reply, 429, errorData(1030, "A check of this account's trunks is already running; retry when it has finished"));
    running.add(account_sid);
    try {
      const result = await runCheck(services, config, trunk.sid, { registeredOnly: true });
      return sendData(req, reply, { ok: result.ok, steps: result.steps });
    } finally {
      running.delete(account_sid);
    }
  });
}
