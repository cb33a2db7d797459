import assert from "node:assert/strict";
import type { ApiReply } from "../helpers/client.js";

export const ATTRIBUTE_ORDER = [
  "name",
  "authentication_mode",
  "region",
  "max_channels",
  "default_sender",
  "inbound_country",
  "inbound_source_ips",
  "outbound_host",
  "outbound_dial_string_prefix",
  "outbound_national_dialing",
  "outbound_plus_prefix",
  "outbound_route_prefixes",
];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function assertJsonApi(r: ApiReply, status: number): void {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers.get("content-type"), "application/vnd.api+json", "the JSON:API media type, without parameters");
}

/** A sip_trunk resource object: shape, order, types, and (when given) the attribute values. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function assertSipTrunk(resource: any, expected: Record<string, unknown> = {}): void {
  assert.deepEqual(Object.keys(resource), ["id", "type", "attributes", "links"]);
  assert.match(resource.id, UUID);
  assert.equal(resource.type, "sip_trunk");
  assert.match(resource.links.self, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/carrier/v1/sip_trunks/${resource.id}$`));
  const a = resource.attributes;
  const credentials = a.authentication_mode === "client_credentials" ? ["username", "password"] : [];
  assert.deepEqual(Object.keys(a), [...ATTRIBUTE_ORDER, ...credentials, "created_at", "updated_at", "active_calls", "outbound_host_health"]);
  assert.equal(a.active_calls, 0, "no calls up in these suites");
  assert.match(a.created_at, ISO);
  assert.match(a.updated_at, ISO);
  if (credentials.length) {
    assert.match(a.username, /^[a-z0-9]{6,}$/);
    assert.match(a.password, /^[A-Za-z0-9]{24}$/);
  }
  for (const [k, v] of Object.entries(expected)) assert.deepEqual(a[k], v, `attribute ${k}`);
}

export interface ExpectedError {
  pointer?: string;
  parameter?: string;
  title: string;
  detail?: string;
}

/** An error document with exactly these errors (in any order), each with the response's status. */
export function assertErrors(r: ApiReply, status: number, expected: ExpectedError[]): void {
  assertJsonApi(r, status);
  assert.deepEqual(Object.keys(r.body), ["errors"]);
  const got = (r.body.errors as { status: string; code: string; title: string; detail: string; source?: Record<string, string> }[]).map((e) => {
    assert.equal(e.status, String(status));
    assert.equal(typeof e.code, "string");
    assert.equal(typeof e.detail, "string");
    return e;
  });
  const key = (e: { source?: Record<string, string>; pointer?: string; parameter?: string }) => e.source?.pointer ?? e.source?.parameter ?? e.pointer ?? e.parameter ?? "";
  assert.deepEqual(got.map(key).sort(), expected.map(key).sort(), JSON.stringify(r.body));
  for (const want of expected) {
    const e = got.find((g) => key(g) === key(want));
    assert.equal(e?.title, want.title, `title at ${key(want)}`);
    if (want.detail !== undefined) assert.equal(e?.detail, want.detail);
    if (want.pointer !== undefined) assert.equal(e?.code, "invalid_attribute");
  }
}
