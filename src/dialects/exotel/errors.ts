import type { FastifyError, FastifyRequest } from "fastify";
import { ConflictError, DomainError, NotFoundError, ValidationError } from "../../domain/errors.js";
import type { ItemResult } from "../../services/batch.js";
import { BODY_LIMIT, InvalidJsonError } from "../../http/jsonBody.js";
import { schemaIssues } from "../../http/schemaIssues.js";
import { errorData, EXOTEL_ERRORS, failedBatchItem, successItem, type ErrorData, type ExotelErrorCode, type ResponseItem } from "./envelope.js";

/**
 * The error code a bad value of a field gets: the reference reports a bad trunk_name as 1000
 * "Invalid request", and the extended spec a bad destination as 1002 with the message "Invalid
 * parameter" (Exotel's official reference; 1002's own message, "Resource exists", is the 409's);
 * every other bad or missing value is 1001 "Invalid parameter". A Map: field names can come from
 * requests, and must not find Object.prototype's members.
 */
const CODE_BY_FIELD: ReadonlyMap<string, { code: ExotelErrorCode; message?: string }> = new Map([
  ["trunk_name", { code: 1000 }],
  ["destination", { code: 1002, message: EXOTEL_ERRORS[1001] }],
]);

/** The HTTP status and error data for a domain error, as the Exotel wire shows it. */
export function exotelErrorFor(error: DomainError): { httpCode: number; data: ErrorData } {
  if (error instanceof ValidationError) {
    const first = error.issues[0];
    const byField = first && first.kind !== "missing" ? CODE_BY_FIELD.get(first.field) : undefined;
    return { httpCode: 400, data: errorData(byField?.code ?? 1001, first?.message ?? error.message, byField?.message) };
  }
  if (error instanceof NotFoundError) return { httpCode: 404, data: errorData(1003, error.message) };
  if (error instanceof ConflictError) return { httpCode: 409, data: errorData(1002, error.message) };
  return { httpCode: 400, data: errorData(1000, error.message) };
}

/** Errors from outside the domain (parsing, framework) in Exotel's format; never leaks internals. */
export function exotelErrorForUnknown(error: unknown, req: FastifyRequest): { httpCode: number; data: ErrorData } {
  if (error instanceof DomainError) return exotelErrorFor(error);
  if (error instanceof InvalidJsonError) return { httpCode: 400, data: errorData(1007, error.message) };
  const fe = error as Partial<FastifyError>;
  switch (fe.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { httpCode: 415, data: errorData(1000, unsupportedMediaType(req.headers["content-type"])) };
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { httpCode: 413, data: errorData(1000, `Request body exceeds ${BODY_LIMIT} bytes`) };
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return { httpCode: 400, data: errorData(1007, "Content-Length does not match the body") };
  }
  if (fe.validation) return exotelErrorFor(new ValidationError(schemaIssues(fe.validation, fe.validationContext)));
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { httpCode: fe.statusCode, data: errorData(1000, fe.message ?? "Invalid request") };
  }
  return { httpCode: 500, data: errorData(1500, "The server could not complete the request; it has been logged") };
}

export function unsupportedMediaType(contentType: string | undefined): string {
  return `Content-Type '${contentType ?? "(none)"}' is not supported; send the body as application/json`;
}

/** One response item per batch input: the rendered entity, or its own error (with `data: null`). */
export function batchItems<T>(results: ItemResult<T>[], render: (value: T) => unknown): ResponseItem[] {
  return results.map((r) => {
    if (r.ok) return successItem(render(r.value));
    const { httpCode, data } = exotelErrorFor(r.error);
    return failedBatchItem(httpCode, data);
  });
}
