import type { FastifyError, preValidationHookHandler } from "fastify";

/** True when any string in a parsed request part holds a NUL (no store accepts it in text). */
export function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (depth > 32 || value === null || typeof value !== "object") return false;
  // Loops, not arrays of keys and values: this runs on every request of both dialects.
  if (Array.isArray(value)) {
    for (const v of value as unknown[]) if (hasNul(v, depth + 1)) return true;
    return false;
  }
  for (const k of Object.keys(value)) if (k.includes("\u0000") || hasNul((value as Record<string, unknown>)[k], depth + 1)) return true;
  return false;
}

/** Whether any part of the parsed request (path, query, body) holds a NUL character. */
export function requestHasNul(req: { params: unknown; query: unknown; body: unknown }): boolean {
  return hasNul(req.params) || hasNul(req.query) || hasNul(req.body);
}

/**
 * A dialect's preValidation hook refusing NUL anywhere in the request with the dialect's error.
 * Callback style, not async: it runs on every request, and an async hook costs a promise each.
 */
export function refuseNul(error: () => Error): preValidationHookHandler {
  return (req, _reply, done) => {
    if (requestHasNul(req)) done(error() as FastifyError);
    else done();
  };
}
