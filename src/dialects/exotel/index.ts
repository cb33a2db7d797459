import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../../http/deps.js";
import { exotelAuth } from "./auth.js";
import { errorData, sendError } from "./envelope.js";
import { exotelErrorForUnknown } from "./errors.js";
import { registerTrunkRoutes } from "./routes/trunks.js";

/** The Exotel v2 dialect under /v2: Basic auth, the request_id envelope, numeric error codes. */
export async function registerExotel(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.addHook("onRequest", exotelAuth(deps));
  app.setErrorHandler((error, req, reply) => {
    const { httpCode, data } = exotelErrorForUnknown(error, req);
    if (httpCode >= 500) req.log.error({ err: error }, "exotel request failed");
    return sendError(req, reply, httpCode, data);
  });
  app.setNotFoundHandler((req, reply) => sendError(req, reply, 404, errorData(1003, `No such endpoint: ${req.method} ${req.url.split("?")[0]}`)));
  registerTrunkRoutes(app, deps);
}
