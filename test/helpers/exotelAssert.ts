import assert from "node:assert/strict";
import { EXOTEL_ERRORS, type ExotelErrorCode } from "../../src/dialects/exotel/envelope.js";
import type { ApiReply, Json } from "./client.js";

export const REQUEST_ID = /^[0-9a-f]{32}$/;
export const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
export const DIGITS = /^\d+$/;
export const TRUNK_SID = /^trmum[a-z0-9]{23}$/;

/** Status, then `{request_id, method, http_code, ...}` with the request id also in X-Request-Id. */
export function assertEnvelope(r: ApiReply, method: string, httpCode: number): void {
  assert.equal(r.status, httpCode, `expected HTTP ${httpCode}, got ${r.status}: ${r.text}`);
  assert.match(r.body?.request_id ?? "", REQUEST_ID, r.text);
  assert.equal(r.headers.get("x-request-id"), r.body.request_id);
  assert.equal(r.body.method, method);
  assert.equal(r.body.http_code, httpCode);
}

/** A 200 `{code, error_data, status, data}` response; returns `data`. */
export function assertOk(r: ApiReply, method: string): Json {
  assertEnvelope(r, method, 200);
  assert.deepEqual(Object.keys(r.body.response), ["code", "error_data", "status", "data"]);
  assert.equal(r.body.response.code, 200);
  assert.equal(r.body.response.error_data, null);
  assert.equal(r.body.response.status, "success");
  return r.body.response.data;
}

/** An error item: `{status: "failure", code, error_data: {code, message, description}}`. */
export function assertFailureItem(item: Json, httpCode: number, code: ExotelErrorCode, description?: string | RegExp): void {
  assert.deepEqual(Object.keys(item), ["status", "code", "error_data"]);
  assertErrorData(item, httpCode, code, description);
}

/** A failed item of a batch write: as assertFailureItem, then `data: null` as Exotel's items carry it. */
export function assertBatchFailure(item: Json, httpCode: number, code: ExotelErrorCode, description?: string | RegExp): void {
  assert.deepEqual(Object.keys(item), ["status", "code", "error_data", "data"]);
  assert.equal(item.data, null);
  assertErrorData(item, httpCode, code, description);
}

function assertErrorData(item: Json, httpCode: number, code: ExotelErrorCode, description?: string | RegExp): void {
  assert.equal(item.status, "failure");
  assert.equal(item.code, httpCode);
  assert.deepEqual(Object.keys(item.error_data), ["code", "message", "description"]);
  assert.equal(item.error_data.code, code);
  // 1002 with 400 is a bad destination: "Invalid parameter", as Exotel's official reference words it.
  assert.equal(item.error_data.message, code === 1002 && httpCode === 400 ? EXOTEL_ERRORS[1001] : EXOTEL_ERRORS[code]);
  assert.equal(typeof item.error_data.description, "string");
  if (typeof description === "string") assert.equal(item.error_data.description, description);
  else if (description) assert.match(item.error_data.description, description);
}

/** A whole-request error in the reference's error shape, no data. */
export function assertError(r: ApiReply, method: string, httpCode: number, code: ExotelErrorCode, description?: string | RegExp): void {
  assertEnvelope(r, method, httpCode);
  assert.deepEqual(Object.keys(r.body), ["request_id", "method", "http_code", "response"]);
  assertFailureItem(r.body.response, httpCode, code, description);
}

/** A list response: list metadata beside `response`, `data` an array; returns the items. */
export function assertList(r: ApiReply): Json[] {
  const data = assertOk(r, "GET");
  assert.deepEqual(Object.keys(r.body), ["request_id", "method", "http_code", "metadata", "response"]);
  assert.deepEqual(Object.keys(r.body.metadata), ["page_size", "first_page_uri", "prev_page_uri", "next_page_uri"]);
  assert.ok(Array.isArray(data));
  return data;
}

/** A batch response: `metadata {total, success, failed}` and one item per input. */
export function assertBatch(r: ApiReply, httpCode: 200 | 207, counts: { success: number; failed: number }): Json[] {
  assertEnvelope(r, "POST", httpCode);
  assert.deepEqual(Object.keys(r.body), ["request_id", "method", "http_code", "metadata", "response"]);
  assert.deepEqual(r.body.metadata, { total: counts.success + counts.failed, ...counts });
  assert.ok(Array.isArray(r.body.response));
  assert.equal(r.body.response.length, counts.success + counts.failed);
  return r.body.response;
}
