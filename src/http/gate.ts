import type { FastifyReply, FastifyRequest, onRequestHookHandler } from "fastify";

/** A synchronous request check: answers the request itself (and returns the reply) to refuse it, or returns nothing. */
export type Check = (req: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * An onRequest hook running synchronous checks in order; the first that answers stops the request.
 * Callback style and one hook for several checks: each hook is a step of Fastify's runner on every
 * request, and an async one costs a promise too.
 */
export function gate(...checks: Check[]): onRequestHookHandler {
  return (req, reply, done) => {
    for (const check of checks) if (check(req, reply) !== undefined) return;
    done();
  };
}
