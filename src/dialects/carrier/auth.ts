import type { FastifyReply, FastifyRequest } from "fastify";
import type { AppDeps } from "../../http/deps.js";
import { readAuthorization } from "../../http/credentialsHeader.js";
import { rateLimitHeaders } from "../../http/rateLimit.js";
import { sendError } from "./document.js";

/**
 * `Authorization: Bearer <api token>`, or the token as the password of HTTP Basic (any user
 * name); then the per-account rate limit shared with the Exotel dialect. Runs before the body
 * is read.
 */
export function carrierAuth(deps: AppDeps) {
  return async function authenticate(req: FastifyRequest, reply: FastifyReply) {
    const presented = readAuthorization(req.headers.authorization);
    const token = presented.kind === "bearer" ? presented.token : presented.kind === "basic" ? presented.password : undefined;
    const account = token ? await deps.services.accounts.authenticateToken(token) : undefined;
    if (!account) {
      reply.header("www-authenticate", 'Bearer realm="trunkline"');
      const detail = presented.kind === "none" ? "Authorization header with a Bearer token is required" : "The API token is invalid";
      return sendError(reply, 401, "unauthorized", "Unauthorized", detail, { header: "Authorization" });
    }
    req.account = account;
    const decision = await deps.limiter.consume(account.sid);
    reply.headers(rateLimitHeaders(decision));
    if (!decision.allowed) {
      return sendError(reply, 429, "rate_limited", "Too Many Requests", `Rate limit of ${decision.limit} requests per minute exceeded; retry in ${decision.resetSeconds} seconds`);
    }
  };
}
