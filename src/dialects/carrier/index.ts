import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppDeps } from "../../http/deps.js";
import { requestHasNul } from "../../http/nulText.js";
import { carrierAuth } from "./auth.js";
import { sendError, sendErrors } from "./document.js";
import { carrierFailureFor, unsupportedMediaType } from "./errors.js";
import { BadDocumentError } from "./parse.js";
import { registerSipTrunkRoutes } from "./routes/sipTrunks.js";

const JSON_TYPES = new Set(["application/vnd.api+json", "application/json"]);

/** Writes carry JSON:API (or plain JSON); anything else is 415 before the body is read. */
async function requireJsonApiBody(req: FastifyRequest, reply: FastifyReply) {
  if (req.method !== "POST" && req.method !== "PATCH") return;
  const type = req.headers["content-type"];
  const base = type?.split(";")[0]?.trim().toLowerCase();
  if (!base || !JSON_TYPES.has(base)) return sendError(reply, 415, "unsupported_media_type", "Unsupported Media Type", unsupportedMediaType(type), { header: "Content-Type" });
}

/** The carrier SIP trunks API (JSON:API) under /carrier/v1. */
export async function registerCarrier(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // In order: who is calling (401), their budget (429), then the body (415).
  app.addHook("onRequest", carrierAuth(deps));
  app.addHook("onRequest", requireJsonApiBody);
  app.addHook("preValidation", async (req) => {
    // PostgreSQL text cannot hold NUL: refuse it on both engines alike.
    if (requestHasNul(req)) throw new BadDocumentError("Request text must not contain NUL characters");
  });
  app.setErrorHandler((error, req, reply) => {
    const failure = carrierFailureFor(error, req.headers["content-type"]);
    if (failure.status >= 500) req.log.error({ err: error }, "carrier request failed");
    return sendErrors(reply, failure.status, failure.errors);
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, "not_found", "Not Found", `No such endpoint: ${req.method} ${req.url.split("?")[0]}`));
  registerSipTrunkRoutes(app, deps);
}
