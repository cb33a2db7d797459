import type { FastifyReply } from "fastify";

/** JSON:API documents as the carrier wire sends them. */

export const JSONAPI_MEDIA_TYPE = "application/vnd.api+json";

/** One member of a JSON:API `errors` array. */
export interface JsonApiError {
  status: string;
  code: string;
  title: string;
  detail: string;
  source?: { pointer: string } | { parameter: string } | { header: string };
}

/**
 * JSON:API forbids media type parameters other than `ext`/`profile` on responses; Fastify adds
 * `charset=utf-8` to every JSON type unless the payload is bytes, so the document goes out as bytes.
 */
export function sendDocument(reply: FastifyReply, status: number, document: object) {
  return reply.code(status).header("content-type", JSONAPI_MEDIA_TYPE).send(Buffer.from(JSON.stringify(document)));
}

export function sendErrors(reply: FastifyReply, status: number, errors: JsonApiError[]) {
  return sendDocument(reply, status, { errors });
}

/** A single error whose `status` is the response's own. */
export function sendError(reply: FastifyReply, status: number, code: string, title: string, detail: string, source?: JsonApiError["source"]) {
  return sendErrors(reply, status, [{ status: String(status), code, title, detail, ...(source ? { source } : {}) }]);
}
