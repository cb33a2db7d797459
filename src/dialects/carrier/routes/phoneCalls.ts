import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { CALL_DIRECTIONS, isCallStatus, type CallDirection, type CallFilter, type CallRecord, type CallStatus } from "../../../domain/calls.js";
import { ValidationError, type ValidationIssue } from "../../../domain/errors.js";
import type { AppDeps } from "../../../http/deps.js";
import { sendDocument, sendError } from "../document.js";
import { pageLinks, parseCursor } from "../paging.js";
import { carrierNotFound, PhoneCallDocument, PhoneCallListDocument } from "../responses.js";

const tags = ["Carrier: phone calls"];
export const PHONE_CALL_TYPE = "phone_call";
const FILTERS = ["filter[sip_trunk_id]", "filter[status]", "filter[direction]", "filter[created_at][gte]", "filter[created_at][lte]"] as const;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const q = (description: string) => Type.Optional(Type.String({ description }));
/** Documents the list's parameters; readFilters and parseCursor judge them (the dialect's messages). */
const PhoneCallQuery = Type.Object(
  {
    "filter[sip_trunk_id]": q("Calls in or out over this SIP trunk (UUID)"),
    "filter[status]": q("completed, busy, no-answer, canceled, failed (comma-separated)"),
    "filter[direction]": q("inbound or outbound (comma-separated)"),
    "filter[created_at][gte]": q("UTC time, YYYY-MM-DDTHH:MM:SSZ"),
    "filter[created_at][lte]": q("UTC time, YYYY-MM-DDTHH:MM:SSZ"),
    "page[size]": q("1 to 100 (default 10)"),
    "page[after]": q("Call id: the page of calls older than it"),
    "page[before]": q("Call id: the page of calls newer than it"),
  },
  { additionalProperties: true },
);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A call record as a `phone_call` resource: snake_case mirror of the record (docs/calls.md). */
export function renderPhoneCall(c: CallRecord, self: string) {
  return {
    id: c.sid,
    type: PHONE_CALL_TYPE,
    attributes: {
      direction: c.direction,
      status: c.status,
      from: c.from,
      to: c.to,
      dial_string: c.dialString,
      phone_number: c.phoneNumber,
      inbound_sip_trunk_id: c.trunkIn?.uuid ?? null,
      outbound_sip_trunk_id: c.trunkOut?.uuid ?? null,
      sip_code: c.sipCode,
      sip_reason: c.sipReason,
      destination_first: c.destinationFirst,
      destination: c.destination,
      attempts: c.attempts,
      hops: (c.hops ?? []).map((h) => ({ hop: h.hop, destination: h.destination, sip_code: h.sipCode, sip_reason: h.sipReason, at: h.at })),
      started_at: c.startedAt,
      answered_at: c.answeredAt,
      ended_at: c.endedAt,
      duration: c.duration,
      ring_ms: c.ringMs,
      edge_id: c.edgeId,
      call_id: c.callId,
      media: c.media,
      created_at: c.startedAt,
      updated_at: c.endedAt,
    },
    links: { self },
  };
}

/** The list's filters; anything else under `filter[...]`, and `sort`/`include`/`fields`, is a 400. */
function readFilters(query: Record<string, unknown>): { filter: CallFilter; echo: URLSearchParams } {
  const issues: ValidationIssue[] = [];
  const bad = (field: string, message: string) => issues.push({ field, kind: "invalid", message });
  const filter: CallFilter = {};
  const echo = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (key.startsWith("page[")) continue;
    if (!(FILTERS as readonly string[]).includes(key)) {
      if (key === "filter" || key.startsWith("filter[")) bad(key, `${key} is not supported (filters: ${FILTERS.join(", ")})`);
      else if (key === "sort") bad(key, "sort is not supported: phone calls are listed newest first");
      else if (key === "include") bad(key, "include is not supported: a phone_call has no relationships");
      else if (key.startsWith("fields[")) bad(key, `${key} is not supported`);
      continue;
    }
    if (typeof value !== "string" || value === "") {
      bad(key, `${key} must be given once, with a value`);
      continue;
    }
    const values = [...new Set(value.split(",").map((s) => s.trim()))];
    switch (key) {
      case "filter[sip_trunk_id]":
        if (!UUID.test(value)) bad(key, `${key} must be a sip_trunk id (UUID)`);
        else filter.trunk = { uuid: value.toLowerCase() };
        break;
      case "filter[status]":
        if (!values.every(isCallStatus)) bad(key, `${key} must be one or more of completed, busy, no-answer, canceled, failed`);
        else filter.statuses = values as CallStatus[];
        break;
      case "filter[direction]":
        if (!values.every((v) => (CALL_DIRECTIONS as readonly string[]).includes(v))) bad(key, `${key} must be inbound or outbound`);
        else filter.directions = values as CallDirection[];
        break;
      default: {
        const ms = ISO_TIME.test(value) ? Date.parse(value) : NaN;
        if (Number.isNaN(ms)) bad(key, `${key} must be a UTC time in ISO 8601 (YYYY-MM-DDTHH:MM:SSZ)`);
        // Stored times have whole seconds: gte rounds up, lte down, to the second.
        else if (key === "filter[created_at][gte]") filter.startedFrom = new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
        else filter.startedTo = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
      }
    }
    echo.set(key, value);
  }
  if (issues.length) throw new ValidationError(issues);
  return { filter, echo };
}

/** `/carrier/v1/phone_calls` (newest first, cursor pages like sip_trunks) and `/carrier/v1/phone_calls/:id` (the call sid). */
export function registerPhoneCallRoutes(app: FastifyInstance, { services, config }: AppDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const collectionUrl = (req: FastifyRequest) => `${config.publicUrl ?? `${req.protocol}://${req.host}`}/carrier/v1/phone_calls`;
  const accountSid = (req: FastifyRequest) => (req.account as { sid: string }).sid;
  const notFound = "The phone call does not exist";

  api.get("/phone_calls", { schema: { tags, operationId: "listPhoneCalls", summary: "List phone calls (finished ones; newest first, by cursor)", querystring: PhoneCallQuery, response: { 200: PhoneCallListDocument } }, attachValidation: true }, async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const cursor = parseCursor(query);
    const { filter, echo } = readFilters(query);
    const position = async (sid: string | undefined, field: string) => {
      if (sid === undefined) return undefined;
      const p = /^[A-Za-z0-9]{1,64}$/.test(sid) ? await services.calls.positionOf(accountSid(req), sid) : undefined;
      if (!p) throw ValidationError.of(field, `${field} is not a phone call id of this account`);
      return p;
    };
    const after = await position(cursor.after, "page[after]");
    const before = await position(cursor.before, "page[before]");
    const page = await services.calls.list(accountSid(req), { filter, order: "desc", limit: cursor.size, withHops: true, ...(after ? { after } : {}), ...(before ? { before } : {}) });
    const base = collectionUrl(req);
    const links = pageLinks(base, cursor.size, page.items.map((c) => c.sid), page.hasPrev, page.hasNext);
    const withFilters = (link: string | null) => (link === null || echo.size === 0 ? link : `${link}&${echo.toString()}`);
    return sendDocument(reply, 200, {
      data: page.items.map((c) => renderPhoneCall(c, `${base}/${c.sid}`)),
      links: { prev: withFilters(links.prev), next: withFilters(links.next) },
    });
  });

  api.get("/phone_calls/:id", { schema: { tags, operationId: "getPhoneCall", summary: "Get a phone call", params: Type.Object({ id: Type.String({ description: "The call sid" }) }), response: { 200: PhoneCallDocument, ...carrierNotFound("The phone call") } } }, async (req, reply) => {
    const call = /^[A-Za-z0-9]{1,64}$/.test(req.params.id) ? await services.calls.get(accountSid(req), req.params.id, true) : undefined;
    if (!call) return sendError(reply, 404, "not_found", "Not Found", notFound);
    return sendDocument(reply, 200, { data: renderPhoneCall(call, `${collectionUrl(req)}/${call.sid}`) });
  });
}
