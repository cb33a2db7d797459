import type { FastifyReply, FastifyRequest } from "fastify";
import { errorData, sendError } from "./envelope.js";
import { unsupportedMediaType } from "./errors.js";

const WRITES = new Set(["POST", "PUT", "PATCH"]);

function isJson(contentType: string): boolean {
  return contentType.split(";")[0]?.trim().toLowerCase() === "application/json";
}

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/**
 * Bodies must be JSON: a write that declares another content type, or any request whose body
 * comes without `application/json`, gets 415 before its body is read. `Content-Type:
 * application/json` with no body is fine on every method (clients send it on GET and DELETE).
 */
export function requireJsonBody(req: FastifyRequest, reply: FastifyReply) {
  const type = req.headers["content-type"];
  const declared = type !== undefined && type.trim() !== "";
  if ((hasBody(req) || (WRITES.has(req.method) && declared)) && !(declared && isJson(type))) {
    return sendError(req, reply, 415, errorData(1000, unsupportedMediaType(type)));
  }
}
