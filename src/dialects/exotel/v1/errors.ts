import type { FastifyError, FastifyReply } from "fastify";
import { DomainError, ValidationError } from "../../../domain/errors.js";

/** Exotel v1's error body: `{"RestException": {"Status": N, "Message": "..."}}`. */
export function sendRestException(reply: FastifyReply, status: number, message: string) {
  return reply.code(status).send({ RestException: { Status: status, Message: message } });
}

/** Unknown or another account's call: one answer for both, so neither is told apart. */
export class CallNotFound extends DomainError {
  constructor(readonly sid: string) {
    super(`Call ${sid} not found`);
  }
}

/** Status and message for any error a v1 request raises; never leaks internals. */
export function restExceptionFor(error: unknown): { status: number; message: string } {
  if (error instanceof ValidationError) return { status: 400, message: error.message };
  if (error instanceof CallNotFound) return { status: 404, message: error.message };
  const fe = error as Partial<FastifyError>;
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) return { status: fe.statusCode, message: fe.message ?? "Bad request" };
  return { status: 500, message: "The server could not complete the request; it has been logged" };
}
