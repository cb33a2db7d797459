import type { FastifyInstance } from "fastify";
import { ValidationError } from "../../domain/errors.js";
import type { AppDeps } from "../../http/deps.js";
import { gate } from "../../http/gate.js";
import { refuseNul } from "../../http/nulText.js";
import { exotelAuth } from "./auth.js";
import { requireJsonBody } from "./contentType.js";
import { errorData, sendError } from "./envelope.js";
import { exotelErrorForUnknown } from "./errors.js";
import { registerCheckRoutes } from "./routes/check.js";
import { registerCredentialRoutes } from "./routes/credentials.js";
import { registerDestinationRoutes } from "./routes/destinationUris.js";
import { registerPhoneNumberRoutes } from "./routes/phoneNumbers.js";
import { registerSettingRoutes } from "./routes/settings.js";
import { registerTrunkMapRoutes } from "./routes/trunkMaps.js";
import { registerTrunkRoutes } from "./routes/trunks.js";
import { registerWhitelistedIpRoutes } from "./routes/whitelistedIps.js";

/** The Exotel v2 dialect under /v2: Basic auth, the request_id envelope, numeric error codes. */
export async function registerExotel(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // In order: who is calling (401), their budget (429), their account (403), then the body (415).
  app.addHook("onRequest", exotelAuth(deps));
  app.addHook("onRequest", gate(requireJsonBody));
  app.addHook("preValidation", refuseNul(() => ValidationError.of("request", "Request text must not contain NUL characters")));
  app.setErrorHandler((error, req, reply) => {
    const { httpCode, data } = exotelErrorForUnknown(error, req);
    if (httpCode >= 500) req.log.error({ err: error }, "exotel request failed");
    return sendError(req, reply, httpCode, data);
  });
  app.setNotFoundHandler((req, reply) => sendError(req, reply, 404, errorData(1003, `No such endpoint: ${req.method} ${req.url.split("?")[0]}`)));
  registerTrunkRoutes(app, deps);
  registerPhoneNumberRoutes(app, deps);
  registerWhitelistedIpRoutes(app, deps);
  registerDestinationRoutes(app, deps);
  registerCredentialRoutes(app, deps);
  registerSettingRoutes(app, deps);
  registerTrunkMapRoutes(app, deps);
  registerCheckRoutes(app, deps);
}
