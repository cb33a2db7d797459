import type { FastifySchemaValidationError } from "fastify/types/schema.js";
import type { ValidationIssue } from "../../domain/errors.js";
import { parseIPv4Cidr } from "../../domain/rules.js";
import type { AuthenticationMode } from "../../domain/types.js";
import type { TrunkPatch } from "../../services/trunkInput.js";
import { SipTrunkAttributes, type SipTrunkDocumentData } from "./schemas.js";

export const RESOURCE_TYPE = "sip_trunk";

/** A request document that is not a JSON:API document at all (no `data` object): 400. */
export class BadDocumentError extends Error {}

/** A create that names its own id: JSON:API's 403 for client-generated ids we don't support. */
export class ClientGeneratedIdError extends Error {}

/**
 * Issues name an attribute ("region") or, for members outside `attributes`, carry a JSON pointer
 * ("/data/type"); `errors.ts` turns both into `source.pointer`.
 */
function pointerIssue(pointer: string, kind: ValidationIssue["kind"], message: string): ValidationIssue {
  return { field: pointer, kind, message };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The validator's type errors, one per attribute (or member), in the carrier's words. */
function typeIssues(errors: FastifySchemaValidationError[] | undefined): ValidationIssue[] {
  const out = new Map<string, ValidationIssue>();
  for (const e of errors ?? []) {
    const path = e.instancePath.split("/").filter(Boolean);
    const params = e.params as Record<string, unknown>;
    if (e.keyword === "required") path.push(String(params.missingProperty));
    // data.attributes.<name>[.<index>] → the attribute; data.<member> → a pointer to it.
    const attribute = path[0] === "data" && path[1] === "attributes" ? path[2] : undefined;
    const field = attribute ?? `/${path.join("/")}`;
    const name = attribute ?? path[path.length - 1] ?? "data";
    if (out.has(field)) continue;
    if (e.keyword === "required") out.set(field, { field, kind: "missing", message: `${name} is missing` });
    else if (e.keyword === "type" || e.keyword === "anyOf") {
      const expected = e.keyword === "type" ? String(params.type) : "of another type";
      const inArray = attribute !== undefined && path.length > 3;
      const article = /^[aeiou]/.test(expected) ? "an" : "a";
      out.set(field, { field, kind: "type", message: inArray ? `${name} must contain only ${expected}s` : `${name} must be ${e.keyword === "type" ? `${article} ${expected}` : expected}` });
    } else out.set(field, { field, kind: "invalid", message: `${name} is invalid` });
  }
  return [...out.values()];
}

/** "host" or "host:port" (an IPv4 address or a host name; no IPv6 on this wire). */
function parseHost(value: string): { host: string; port?: number } {
  const m = /^(.*):(\d{1,5})$/.exec(value);
  return m ? { host: m[1] as string, port: Number(m[2]) } : { host: value };
}

/**
 * `inbound_source_ips` as ACL entries: a bare address is a /32; CIDR notation is accepted too, so
 * a set read back (where an Exotel /24 entry shows as "a.b.c.d/24") can be written back as is.
 */
function parseSourceIps(values: string[]): { acl?: { ip: string; mask: number }[]; issue?: ValidationIssue } {
  const acl: { ip: string; mask: number }[] = [];
  const invalid: string[] = [];
  for (const v of values) {
    const entry = parseIPv4Cidr(v);
    if (entry) acl.push(entry);
    else invalid.push(v);
  }
  if (invalid.length) return { issue: { field: "inbound_source_ips", kind: "invalid", message: `inbound_source_ips contains invalid IP address: ${invalid.join(", ")}` } };
  return { acl };
}

/** The attributes that passed the type check, as the domain's patch. */
function toPatch(a: Partial<SipTrunkAttributes>, skip: Set<string>, issues: ValidationIssue[]): TrunkPatch {
  const patch: TrunkPatch = {};
  const has = (k: keyof SipTrunkAttributes) => a[k] !== undefined && !skip.has(k);
  if (has("name")) patch.name = a.name;
  if (has("authentication_mode")) patch.authenticationMode = a.authentication_mode as AuthenticationMode;
  if (has("region")) patch.region = a.region;
  if (has("max_channels")) patch.maxChannels = a.max_channels;
  if (has("inbound_country")) patch.inboundCountry = a.inbound_country;
  if (has("default_sender")) patch.callerId = a.default_sender;
  if (has("outbound_host")) patch.outboundHost = a.outbound_host === null ? null : parseHost(a.outbound_host as string);
  if (has("outbound_dial_string_prefix")) patch.outboundDialStringPrefix = a.outbound_dial_string_prefix;
  if (has("outbound_national_dialing")) patch.outboundNationalDialing = a.outbound_national_dialing;
  if (has("outbound_plus_prefix")) patch.outboundPlusPrefix = a.outbound_plus_prefix;
  if (has("outbound_route_prefixes")) patch.routePrefixes = a.outbound_route_prefixes;
  if (has("inbound_source_ips")) {
    const { acl, issue } = parseSourceIps(a.inbound_source_ips as string[]);
    if (issue) issues.push(issue);
    else patch.acl = acl;
  }
  return patch;
}

export interface ReadDocument {
  patch: TrunkPatch;
  /** Problems found while reading; the caller adds the domain's and reports them all at once. */
  issues: ValidationIssue[];
}

/**
 * Reads a create (`urlId` undefined) or update document. A body that is not an object with a
 * `data` object is a BadDocumentError (400); everything else wrong is collected, not thrown.
 */
export function readSipTrunkDocument(body: unknown, validation: FastifySchemaValidationError[] | undefined, urlId?: string): ReadDocument {
  if (!isObject(body)) throw new BadDocumentError("The request body must be a JSON:API document (a JSON object with a data member)");
  if (!isObject(body.data)) throw new BadDocumentError(body.data === undefined ? "The document has no data member" : "The document's data member must be a resource object");
  const data = body.data as Partial<SipTrunkDocumentData>;
  if (urlId === undefined && data.id !== undefined) throw new ClientGeneratedIdError("Client-generated ids are not supported: leave data.id out of a create; the server assigns the id");
  let issues = typeIssues(validation);
  if (urlId === undefined && data.attributes === undefined) {
    // A create without attributes misses every required one: report each, as for `attributes: {}`.
    issues = issues.filter((i) => i.field !== "/data/attributes");
    for (const name of SipTrunkAttributes.required ?? []) issues.push({ field: name, kind: "missing", message: `${name} is missing` });
  }
  const skip = new Set(issues.map((i) => i.field));
  if (!skip.has("/data/type") && data.type !== RESOURCE_TYPE) issues.push(pointerIssue("/data/type", "invalid", `type must be ${RESOURCE_TYPE}`));
  if (urlId !== undefined && data.id !== undefined && !skip.has("/data/id") && data.id !== urlId) {
    issues.push(pointerIssue("/data/id", "invalid", "id must equal the id in the URL"));
  }
  const attributes = isObject(data.attributes) ? (data.attributes as Partial<SipTrunkAttributes>) : {};
  return { patch: toPatch(attributes, skip, issues), issues };
}
