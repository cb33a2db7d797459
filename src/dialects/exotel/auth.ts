import type { FastifyReply, FastifyRequest } from "fastify";
import type { AppDeps } from "../../http/deps.js";
import { readAuthorization } from "../../http/credentialsHeader.js";
import { rateLimitHeaders } from "../../http/rateLimit.js";
import { errorData, sendError, type ErrorData } from "./envelope.js";

/** How a refusal is sent: the v2 envelope by default; v1 (Call Details) passes its own. */
export type AuthRefusal = (req: FastifyRequest, reply: FastifyReply, httpCode: number, data: ErrorData) => unknown;

/**
 * HTTP Basic (api_key:api_token) → account; then the per-account rate limit (the caller's own,
 * also when an operator acts on another account); then the path's account sid must be the
 * caller's own, or any existing account for an operator. Runs before the body is read.
 */
export function exotelAuth(deps: AppDeps, refuse: AuthRefusal = sendError) {
  return async function authenticate(req: FastifyRequest, reply: FastifyReply) {
    const presented = readAuthorization(req.headers.authorization);
    const account = presented.kind === "basic" ? await deps.services.accounts.authenticateBasic(presented.user, presented.password) : undefined;
    if (!account) {
      reply.header("www-authenticate", 'Basic realm="trunkline"');
      return refuse(req, reply, 401, errorData(1010, "Invalid API key or token"));
    }
    req.account = account;
    const decision = await deps.limiter.consume(account.sid);
    reply.headers(rateLimitHeaders(decision));
    if (!decision.allowed) {
      return refuse(req, reply, 429, errorData(1030, `Rate limit of ${decision.limit} requests per minute exceeded; retry in ${decision.resetSeconds} seconds`));
    }
    const pathSid = (req.params as { account_sid?: string }).account_sid;
    if (pathSid === undefined || pathSid === account.sid) return;
    if (!account.operator) return refuse(req, reply, 403, errorData(1011, "You do not have access to this account"));
    // An operator acts on any existing account (docs/operators.md); each such request is logged
    // with both sids, the audit trail of what operators did to their customers' accounts.
    if (!(await deps.services.accounts.exists(pathSid))) return refuse(req, reply, 404, errorData(1003, `Account '${pathSid}' does not exist`));
    req.log.info({ operator: account.sid, account_sid: pathSid }, "operator request on another account");
  };
}
