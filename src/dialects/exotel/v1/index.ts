import type { FastifyInstance } from "fastify";
import { ValidationError } from "../../../domain/errors.js";
import type { AppDeps } from "../../../http/deps.js";
import { refuseNul } from "../../../http/nulText.js";
import { exotelAuth } from "../auth.js";
import { registerCallRoutes } from "./calls.js";
import { restExceptionFor, sendRestException } from "./errors.js";
import { registerCallStatsRoutes } from "./stats.js";

/**
 * Exotel's v1 Call Details under /v1: the v2 dialect's Basic auth, rate limit and account check
 * (same code), v1's shapes and its `RestException` errors. JSON only, on both path forms.
 */
export async function registerExotelV1(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.addHook("onRequest", exotelAuth(deps, (_req, reply, status, data) => sendRestException(reply, status, data.description)));
  // PostgreSQL text cannot hold NUL: refuse it on both engines alike.
  app.addHook("preValidation", refuseNul(() => ValidationError.of("request", "Request text must not contain NUL characters")));
  app.setErrorHandler((error, req, reply) => {
    const { status, message } = restExceptionFor(error);
    if (status >= 500) req.log.error({ err: error }, "exotel v1 request failed");
    return sendRestException(reply, status, message);
  });
  app.setNotFoundHandler((req, reply) => sendRestException(reply, 404, `No such endpoint: ${req.method} ${req.url.split("?")[0]}`));
  registerCallRoutes(app, deps);
  registerCallStatsRoutes(app, deps);
}
