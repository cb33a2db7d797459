import type { FastifyReply, FastifyRequest } from "fastify";

/** Exotel error codes with the message the reference gives each. */
export const EXOTEL_ERRORS = {
  1000: "Invalid request",
  1001: "Invalid parameter",
  1002: "Resource exists",
  1003: "Resource not found",
  1007: "Invalid request body",
  1010: "Authorization failed",
  1011: "Access denied",
  1020: "Validation error",
  1030: "Rate limit exceeded",
  1500: "Internal server error",
} as const;
export type ExotelErrorCode = keyof typeof EXOTEL_ERRORS;

export interface ErrorData {
  code: ExotelErrorCode;
  message: string;
  description: string;
}

/** `message` defaults to the code's own (the reference gives 1002 two: see CODE_BY_FIELD). */
export function errorData(code: ExotelErrorCode, description: string, message: string = EXOTEL_ERRORS[code]): ErrorData {
  return { code, message, description };
}

/** One success item, field order as the reference prints it. */
export function successItem(data: unknown, code = 200) {
  return { code, error_data: null, status: "success", data };
}

/** One failed item (also the `response` of a whole-request error), order as the reference. */
export function failureItem(httpCode: number, data: ErrorData) {
  return { status: "failure", code: httpCode, error_data: data };
}

/** A failed item of a batch write: Exotel's official items carry `data: null` after the error. */
export function failedBatchItem(httpCode: number, data: ErrorData) {
  return { ...failureItem(httpCode, data), data: null };
}

export type ResponseItem = ReturnType<typeof successItem> | ReturnType<typeof failureItem> | ReturnType<typeof failedBatchItem>;

/**
 * `{request_id, method, http_code, [metadata,] response}`: every Exotel response, whatever it
 * carries. One object literal (no spread of a second one): built on every request.
 */
function send(req: FastifyRequest, reply: FastifyReply, httpCode: number, response: unknown, metadata?: object) {
  const body = metadata === undefined ? { request_id: req.id, method: req.method, http_code: httpCode, response } : { request_id: req.id, method: req.method, http_code: httpCode, metadata, response };
  return reply.code(httpCode).send(body);
}

export function sendData(req: FastifyRequest, reply: FastifyReply, data: unknown) {
  return send(req, reply, 200, successItem(data));
}

/** A collection with nothing in it where the wire has no list shape (credentials): `response: []`. */
export function sendEmpty(req: FastifyRequest, reply: FastifyReply) {
  return send(req, reply, 200, []);
}

export interface ListMetadata {
  page_size: number;
  first_page_uri: string;
  prev_page_uri: string | null;
  next_page_uri: string | null;
}

export function sendList(req: FastifyRequest, reply: FastifyReply, items: unknown[], metadata: ListMetadata) {
  return send(req, reply, 200, successItem(items), metadata);
}

/** Batch writes: one item per input, in order; 200 when all succeeded, else 207. */
export function sendBatch(req: FastifyRequest, reply: FastifyReply, items: ResponseItem[]) {
  const failed = items.filter((i) => i.status === "failure").length;
  const httpCode = failed === 0 ? 200 : 207;
  return send(req, reply, httpCode, items, { total: items.length, success: items.length - failed, failed });
}

export function sendError(req: FastifyRequest, reply: FastifyReply, httpCode: number, data: ErrorData) {
  return send(req, reply, httpCode, failureItem(httpCode, data));
}
