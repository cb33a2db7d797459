import { Type } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { NotFoundError } from "../../domain/errors.js";
import type { Account } from "../../domain/types.js";
import type { AppDeps } from "../../http/deps.js";
import { readAuthorization } from "../../http/credentialsHeader.js";
import { rateLimitHeaders } from "../../http/rateLimit.js";
import { sendError } from "./document.js";

/** The operator-only header naming the account a request acts as (docs/operators.md). */
export const ACTING_ACCOUNT_HEADER = "trunkline-account";

/** OpenAPI only (src/http/openapi.ts adds it to every carrier operation); carrierAuth reads it. */
export const ActingAccountHeaders = Type.Object({
  [ACTING_ACCOUNT_HEADER]: Type.Optional(
    Type.String({
      description:
        "Extension, operators only (docs/operators.md): act as this account (its sid). An unknown account is 404 not_found; a non-operator naming another account is 403 forbidden; one's own sid is accepted from anyone. The rate limit is the caller's own.",
    }),
  ),
});

/** Who authenticated a request that acts as another account (req.account is the acted-as one). */
const actors = new WeakMap<FastifyRequest, Account>();

/** The account whose token the request carries: the operator when it acts as another account. */
export function callerOf(req: FastifyRequest): Account {
  return actors.get(req) ?? (req.account as Account);
}

/**
 * `Authorization: Bearer <api token>`, or the token as the password of HTTP Basic (any user
 * name); then the per-account rate limit shared with the Exotel dialect (the caller's own, also
 * when an operator acts as another account); then `Trunkline-Account`: an operator acts as that
 * account, anyone may name their own. Runs before the body is read.
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
    const named = req.headers[ACTING_ACCOUNT_HEADER];
    if (named === undefined || named === account.sid) return;
    const header = { header: "Trunkline-Account" };
    // A repeated header arrives joined (or as an array): one account or none.
    if (typeof named !== "string") return sendError(reply, 400, "invalid_header", "Bad Request", "Trunkline-Account must name one account", header);
    if (!account.operator) return sendError(reply, 403, "forbidden", "Forbidden", "Only an operator account may act as another account (Trunkline-Account)", header);
    const target = await deps.services.accounts.get(named).catch((e: unknown) => {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    });
    if (!target) return sendError(reply, 404, "not_found", "Not Found", `Account '${named}' does not exist`, header);
    // Logged with both sids, as the Exotel dialect logs an operator on another account's paths.
    req.log.info({ operator: account.sid, account_sid: target.sid }, "operator request on another account");
    actors.set(req, account);
    req.account = target;
  };
}
