import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppDeps } from "../../http/deps.js";
import { gate } from "../../http/gate.js";
import { refuseNul } from "../../http/nulText.js";
import { carrierAuth } from "./auth.js";
import { JSONAPI_MEDIA_TYPE, sendError, sendErrors } from "./document.js";
import { carrierFailureFor, unsupportedMediaType } from "./errors.js";
import { isJsonApi, parseAccept, parseMediaRange, unsupportedParams } from "./mediaType.js";
import { BadDocumentError } from "./parse.js";
import { registerPhoneCallRoutes } from "./routes/phoneCalls.js";
import { registerPhoneCallStatsRoutes } from "./routes/phoneCallStats.js";
import { registerPlatformRoutes } from "./routes/platform.js";
import { registerSipTrunkRoutes } from "./routes/sipTrunks.js";

const JSON_TYPES = new Set(["application/vnd.api+json", "application/json"]);

/**
 * Writes carry JSON:API (or plain JSON); anything else is 415 before the body is read, and so is
 * the JSON:API media type with parameters other than `ext` and `profile` (JSON:API 1.1).
 */
function requireJsonApiBody(req: FastifyRequest, reply: FastifyReply) {
  if (req.method !== "POST" && req.method !== "PATCH") return;
  const type = req.headers["content-type"];
  const range = type === undefined ? undefined : parseMediaRange(type);
  if (!range || !JSON_TYPES.has(range.type)) return sendError(reply, 415, "unsupported_media_type", "Unsupported Media Type", unsupportedMediaType(type), { header: "Content-Type" });
  const bad = isJsonApi(range) ? unsupportedParams(range) : [];
  if (bad.length) {
    const detail = `Content-Type ${JSONAPI_MEDIA_TYPE} must not carry media type parameters other than ext and profile (got ${bad.join(", ")})`;
    return sendError(reply, 415, "unsupported_media_type", "Unsupported Media Type", detail, { header: "Content-Type" });
  }
}

/**
 * JSON:API 1.1: when Accept names the JSON:API media type and every instance of it carries
 * parameters other than `ext` and `profile`, 406 — whatever else Accept lists.
 */
function requireAcceptable(req: FastifyRequest, reply: FastifyReply) {
  const accept = req.headers.accept;
  if (!accept) return;
  const instances = parseAccept(accept).filter(isJsonApi);
  if (instances.length === 0 || instances.some((r) => unsupportedParams(r).length === 0)) return;
  const detail = `Accept lists ${JSONAPI_MEDIA_TYPE} only with media type parameters other than ext and profile (${[...new Set(instances.flatMap(unsupportedParams))].join(", ")}); accept ${JSONAPI_MEDIA_TYPE} without them`;
  return sendError(reply, 406, "not_acceptable", "Not Acceptable", detail, { header: "Accept" });
}

/** The carrier SIP trunks API (JSON:API) under /carrier/v1. */
export async function registerCarrier(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // In order: who is calling (401), their budget (429), what they accept (406), then the body (415).
  app.addHook("onRequest", carrierAuth(deps));
  app.addHook("onRequest", gate(requireAcceptable, requireJsonApiBody));
  // PostgreSQL text cannot hold NUL: refuse it on both engines alike.
  app.addHook("preValidation", refuseNul(() => new BadDocumentError("Request text must not contain NUL characters")));
  app.setErrorHandler((error, req, reply) => {
    const failure = carrierFailureFor(error, req.headers["content-type"]);
    if (failure.status >= 500) req.log.error({ err: error }, "carrier request failed");
    return sendErrors(reply, failure.status, failure.errors);
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, "not_found", "Not Found", `No such endpoint: ${req.method} ${req.url.split("?")[0]}`));
  registerSipTrunkRoutes(app, deps);
  registerPhoneCallRoutes(app, deps);
  registerPhoneCallStatsRoutes(app, deps);
  registerPlatformRoutes(app, deps);
}
