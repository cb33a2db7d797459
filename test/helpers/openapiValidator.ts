import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";

/**
 * Checks a response the tests received against the server's own OpenAPI document (GET
 * /openapi.json): the operation must document its status, its media type and a schema the body
 * satisfies. The test HTTP helpers call it on every response of the dialects' paths, so the
 * document cannot drift from the wire unnoticed. JSON Schema 2020-12 (OpenAPI 3.1) with Ajv.
 */

type Json = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
interface Compiled {
  paths: { regex: RegExp; template: string; item: Record<string, Operation> }[];
  ajv: Ajv2020;
  validators: Map<string, ValidateFunction>;
}

/** The dialects' prefixes, and the error schema their not-found handlers answer unmatched paths with. */
const DIALECT_ERRORS: [string, string][] = [
  ["/v2/", "ExotelError"],
  ["/v1/", "V1RestException"],
  ["/carrier/v1/", "JsonApiErrorDocument"],
];

/** Per server origin; servers whose documents differ only in `servers` share one compiled copy. */
const documents = new Map<string, Promise<Compiled | undefined>>();
const compiledByContent = new Map<string, Compiled>();

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

async function load(origin: string): Promise<Compiled | undefined> {
  const res = await fetch(`${origin}/openapi.json`);
  // Not a trunkline server (a test's own fake): nothing to check against.
  if (res.status !== 200) return undefined;
  const doc = (await res.json()) as Json & { paths: Record<string, Record<string, Operation>> };
  const key = JSON.stringify([doc.paths, doc.components]);
  const known = compiledByContent.get(key);
  if (known) return known;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ ...doc, $id: "openapi.json" });
  const paths = Object.entries(doc.paths)
    .map(([template, item]) => ({
      template,
      item,
      regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
    }))
    // As the router: a static segment wins over a parameter (…/Calls/Stats.json before …/Calls/{call_sid}).
    .sort((a, b) => a.template.split("{").length - b.template.split("{").length);
  const compiled: Compiled = { paths, ajv, validators: new Map() };
  compiledByContent.set(key, compiled);
  return compiled;
}

function compiled(origin: string): Promise<Compiled | undefined> {
  let doc = documents.get(origin);
  if (!doc) {
    doc = load(origin);
    documents.set(origin, doc);
  }
  return doc;
}

/** The documented forms of a path served under another spelling (hidden aliases). */
function spellings(path: string): string[] {
  const hyphenated = path.replace(/^(\/v2\/accounts\/[^/]+\/trunks\/[^/]+\/)([a-z_]+)/, (_m, head: string, seg: string) => head + seg.replace(/_/g, "-"));
  return [path, hyphenated, `${path}.json`];
}

function validator(c: Compiled, ref: string): ValidateFunction {
  let v = c.validators.get(ref);
  if (!v) {
    v = c.ajv.compile({ $ref: ref });
    c.validators.set(ref, v);
  }
  return v;
}

/**
 * Throws when the response is not one the document describes. Only the dialects' paths are
 * checked (not /health, /metrics, /docs); HEAD has no body to check.
 */
export async function checkResponse(url: string, method: string, status: number, contentType: string | null, text: string): Promise<void> {
  const { origin, pathname } = new URL(url);
  const dialect = DIALECT_ERRORS.find(([prefix]) => pathname.startsWith(prefix));
  if (!dialect || method.toUpperCase() === "HEAD") return;
  const c = await compiled(origin);
  if (!c) return;
  const where = `${method} ${pathname} → ${status}`;
  const lower = method.toLowerCase();
  const match = spellings(pathname)
    .map((p) => c.paths.find((entry) => entry.regex.test(p) && entry.item[lower]))
    .find((entry) => entry !== undefined);
  let ref: string;
  let media: string[];
  if (!match) {
    // No such operation: the dialect's not-found handler (or its auth hook) answered.
    ref = `openapi.json#/components/schemas/${dialect[1]}`;
    media = dialect[0] === "/carrier/v1/" ? ["application/vnd.api+json"] : ["application/json"];
  } else {
    const response = (match.item[lower] as Operation).responses[String(status)];
    if (!response) throw new Error(`OpenAPI: ${where} is not documented (operation ${match.template} lists ${Object.keys((match.item[lower] as Operation).responses).join(", ")})`);
    media = Object.keys(response.content ?? {});
    ref = `openapi.json#/${pointer("paths", match.template, lower, "responses", String(status), "content")}`;
  }
  if (text === "") {
    if (media.length) throw new Error(`OpenAPI: ${where} has an empty body; the document promises ${media.join(", ")}`);
    return;
  }
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!media.includes(type)) throw new Error(`OpenAPI: ${where} answered Content-Type ${contentType}; the document says ${media.join(", ") || "no body"}`);
  const schemaRef = match ? `${ref}/${pointer(type)}/schema` : ref;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`OpenAPI: ${where} body is not JSON: ${text.slice(0, 200)}`);
  }
  const validate = validator(c, schemaRef);
  if (!validate(body)) {
    const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message} (${e.schemaPath})`);
    throw new Error(`OpenAPI: ${where} body does not match the document:\n  ${errors.join("\n  ")}\n  body: ${text.slice(0, 500)}`);
  }
}
