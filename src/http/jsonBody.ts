import type { FastifyInstance } from "fastify";

export const BODY_LIMIT = 64 * 1024;

/** Thrown for a body that isn't JSON; each dialect renders it in its own error format. */
export class InvalidJsonError extends Error {
  readonly statusCode = 400;
  readonly code = "TL_INVALID_JSON";
}

/**
 * JSON for both dialects (`application/json`, `application/vnd.api+json`). An empty body is
 * "no body", so clients that send `Content-Type: application/json` on GET and DELETE work.
 */
export function registerJsonParsers(app: FastifyInstance): void {
  app.removeContentTypeParser(["application/json"]);
  app.addContentTypeParser(
    ["application/json", "application/vnd.api+json"],
    { parseAs: "string", bodyLimit: BODY_LIMIT },
    (_req, body, done) => {
      const text = typeof body === "string" ? body : body.toString("utf8");
      if (text.trim() === "") return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch (e) {
        done(new InvalidJsonError(`Request body is not valid JSON: ${(e as Error).message}`), undefined);
      }
    },
  );
}
