import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DIGITS, REQUEST_ID, TIMESTAMP } from "../../helpers/exotelAssert.js";
import type { Json } from "../../helpers/client.js";

/** The reference's responses, verbatim (responses.json), by the names used in requests.ts. */
export const RESPONSES: Record<string, Json> = JSON.parse(readFileSync(new URL("./responses.json", import.meta.url), "utf8"));

export function reference(name: string): Json {
  const r = RESPONSES[name];
  if (r === undefined) throw new Error(`no reference response ${name}`);
  return structuredClone(r);
}

/** A reference response with some of `response.data`'s values replaced (keeping key order). */
export function withData(name: string, patch: Record<string, unknown> = {}): Json {
  const r = reference(name);
  // Batch responses (destinations, settings) hold one item in the reference.
  const target = Array.isArray(r.response) ? r.response[0].data : r.response.data;
  for (const [k, v] of Object.entries(patch)) {
    assert.ok(k in target, `${name} has no data.${k}`);
    target[k] = v;
  }
  return r;
}

/** Values the reference prints as examples: ours must have the same form, not the same value. */
const FORMS: Record<string, RegExp> = {
  request_id: REQUEST_ID,
  date_created: TIMESTAMP,
  date_updated: TIMESTAMP,
  id: DIGITS,
  password: /^[A-Za-z0-9]{16}$/,
};

export interface MatchOptions {
  /** Placeholder → real value (sample trunk sids), applied to every expected string. */
  subs?: Record<string, string>;
  /** Keys the extended spec adds (`metadata`, a destination's `type`/`priority`/`weight`). */
  extraKeys?: string[];
}

/**
 * `actual` has exactly the reference's keys, in its order (plus allowed extras), and the same
 * values, except where the reference shows an example (ids, timestamps, request ids, passwords).
 */
export function assertLikeReference(actual: Json, expected: Json, opts: MatchOptions = {}, path = "$", key = ""): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path} should be an array`);
    assert.equal(actual.length, expected.length, `${path} length`);
    expected.forEach((e, i) => assertLikeReference(actual[i], e, opts, `${path}[${i}]`, key));
    return;
  }
  if (expected !== null && typeof expected === "object") {
    assert.ok(actual !== null && typeof actual === "object" && !Array.isArray(actual), `${path} should be an object`);
    const extras = new Set(opts.extraKeys ?? []);
    assert.deepEqual(Object.keys(actual).filter((k) => !extras.has(k)), Object.keys(expected), `${path}: keys or their order`);
    for (const k of Object.keys(expected)) assertLikeReference(actual[k], expected[k], opts, `${path}.${k}`, k);
    return;
  }
  const form = FORMS[key];
  if (form && typeof expected === "string") {
    assert.match(String(actual), form, `${path} should look like ${expected}`);
    return;
  }
  const value = typeof expected === "string" ? Object.entries(opts.subs ?? {}).reduce((t, [from, to]) => t.split(from).join(to), expected) : expected;
  assert.equal(actual, value, `${path}`);
}
