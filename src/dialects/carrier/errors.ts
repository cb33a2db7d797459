import type { FastifyError } from "fastify";
import { ConflictError, NotFoundError, ValidationError, type ValidationIssue } from "../../domain/errors.js";
import { BODY_LIMIT, InvalidJsonError } from "../../http/jsonBody.js";
import type { JsonApiError } from "./document.js";
import { BadDocumentError, ClientGeneratedIdError } from "./parse.js";
import { isQueryParameter } from "./query.js";

export interface CarrierFailure {
  status: number;
  errors: JsonApiError[];
}


function pointerOf(field: string): string {
  return field.startsWith("/") ? field : `/data/attributes/${field}`;
}

/** "region is invalid" → title "is invalid": the title drops the name, the detail keeps it. */
function titleOf(issue: ValidationIssue): string {
  const name = issue.field.split("/").pop() ?? issue.field;
  return issue.message.startsWith(`${name} `) ? issue.message.slice(name.length + 1) : issue.message;
}

function one(status: number, code: string, title: string, detail: string, source?: JsonApiError["source"]): CarrierFailure {
  return { status, errors: [{ status: String(status), code, title, detail, ...(source ? { source } : {}) }] };
}

function validationFailure(error: ValidationError): CarrierFailure {
  // Query parameters (page[size], fields[...], ...) are judged like attributes but answer 400.
  const params = error.issues.filter((i) => isQueryParameter(i.field));
  if (params.length) {
    return { status: 400, errors: params.map((i) => ({ status: "400", code: "invalid_parameter", title: titleOf(i), detail: i.message, source: { parameter: i.field } })) };
  }
  return {
    status: 422,
    errors: error.issues.map((i) => ({ status: "422", code: "invalid_attribute", title: titleOf(i), detail: i.message, source: { pointer: pointerOf(i.field) } })),
  };
}

/** Any error a carrier request can raise, as the JSON:API error document to send; never leaks internals. */
export function carrierFailureFor(error: unknown, contentType: string | undefined): CarrierFailure {
  if (error instanceof ValidationError) return validationFailure(error);
  if (error instanceof NotFoundError) return one(404, "not_found", "Not Found", "The SIP trunk does not exist");
  if (error instanceof ConflictError) {
    const title = error.field === "name" ? "has already been taken" : "is invalid";
    return one(422, "invalid_attribute", title, `${error.field} ${title}`, { pointer: pointerOf(error.field) });
  }
  if (error instanceof BadDocumentError) return one(400, "invalid_document", "Bad Request", error.message);
  if (error instanceof ClientGeneratedIdError) return one(403, "client_generated_id", "Forbidden", error.message, { pointer: "/data/id" });
  if (error instanceof InvalidJsonError) return one(400, "invalid_json", "Bad Request", error.message);
  const fe = error as Partial<FastifyError>;
  switch (fe.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return one(415, "unsupported_media_type", "Unsupported Media Type", unsupportedMediaType(contentType), { header: "Content-Type" });
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return one(413, "payload_too_large", "Payload Too Large", `Request body exceeds ${BODY_LIMIT} bytes`);
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return one(400, "invalid_json", "Bad Request", "Content-Length does not match the body");
  }
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) return one(fe.statusCode, "bad_request", "Bad Request", fe.message ?? "Bad request");
  return one(500, "internal_error", "Internal Server Error", "The server could not complete the request; it has been logged");
}

export function unsupportedMediaType(contentType: string | undefined): string {
  return `Content-Type '${contentType ?? "(none)"}' is not supported; send application/vnd.api+json or application/json`;
}
