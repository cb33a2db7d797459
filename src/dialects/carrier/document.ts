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

/** The document's text as it is: it was serialised by sendDocument. */
const asIs = (text: string) => text;

/**
 * JSON:API forbids media type parameters other than `ext`/`profile` on responses; Fastify adds
 * `charset=utf-8` to a JSON type unless the reply has a serializer of its own, so it is given one
 * that passes the text on. Not bytes: a copy of the whole document (a page of 100 trunks is
 * ~60 KB) that the socket would make anyway.
 */
export function sendDocument(reply: FastifyReply, status: number, document: object) {
  return reply.code(status).header("content-type", JSONAPI_MEDIA_TYPE).serializer(asIs).send(JSON.stringify(document));
}

export function sendErrors(reply: FastifyReply, status: number, errors: JsonApiError[]) {
  return sendDocument(reply, status, { errors });
}

/** A single error whose `status` is the response's own. */
export function sendError(reply: FastifyReply, status: number, code: string, title: string, detail: string, source?: JsonApiError["source"]) {
  return sendErrors(reply, status, [{ status: String(status), code, title, detail, ...(source ? { source } : {}) }]);
}
