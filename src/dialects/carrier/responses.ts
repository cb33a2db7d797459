import { Type, type TSchema } from "@sinclair/typebox";
import { DestinationHealth, nullableStr as NullableS, str as S } from "../../http/openapiSchemas.js";

/**
 * Response documents of the carrier wire (render.ts and document.ts print them), for the OpenAPI
 * document only (never used to serialize: src/http/openapi.ts). Attributes are optional because
 * a sparse fieldset (`fields[sip_trunk]`) leaves out the ones not asked for.
 */

const TIME = "ISO 8601 UTC";
const O = Type.Optional;

export const SipTrunkResourceAttributes = Type.Object(
  {
    name: O(S()),
    authentication_mode: O(S("ip_address or client_credentials")),
    region: O(S("A configured region alias")),
    max_channels: O(Type.Union([Type.Integer(), Type.Null()])),
    default_sender: O(NullableS()),
    inbound_country: O(NullableS("ISO 3166-1 alpha-2")),
    inbound_source_ips: O(Type.Array(S("IPv4 address, or CIDR when the mask is not 32"))),
    outbound_host: O(NullableS("host, or host:port off 5060")),
    outbound_dial_string_prefix: O(NullableS()),
    outbound_national_dialing: O(Type.Boolean()),
    outbound_plus_prefix: O(Type.Boolean()),
    outbound_route_prefixes: O(Type.Array(S())),
    username: O(S("Only in client_credentials mode")),
    password: O(S("Only in client_credentials mode")),
    created_at: O(S(TIME)),
    updated_at: O(S(TIME)),
    active_calls: O(Type.Integer({ minimum: 0, description: "Extension (read-only): calls up on the trunk now" })),
    outbound_host_health: O(Type.Union([Type.Ref(DestinationHealth), Type.Null()], { description: "Extension (read-only): the edges' probes of outbound_host; null without one" })),
  },
  { $id: "SipTrunkResourceAttributes" },
);

const self = Type.Object({ self: S("The resource's URL") });

export const SipTrunkResource = Type.Object(
  { id: S("UUID"), type: Type.Literal("sip_trunk"), attributes: Type.Ref(SipTrunkResourceAttributes), links: self },
  {
    $id: "SipTrunkResource",
    examples: [
      {
        id: "0b6f8a7e-5f0c-4c1e-9a57-2f5d7d1e8c3a",
        type: "sip_trunk",
        attributes: {
          name: "My Trunk",
          authentication_mode: "ip_address",
          region: "us-east-1",
          max_channels: 30,
          default_sender: "1234567890",
          inbound_country: "US",
          inbound_source_ips: ["203.0.113.1"],
          outbound_host: "pbx.example.com",
          outbound_dial_string_prefix: "+1",
          outbound_national_dialing: false,
          outbound_plus_prefix: true,
          outbound_route_prefixes: ["1855"],
          created_at: "2026-01-23T09:24:59Z",
          updated_at: "2026-01-23T09:24:59Z",
          active_calls: 0,
          outbound_host_health: { state: "unknown", rtt_ms: null, checked_at: null },
        },
        links: { self: "https://api.example.com/carrier/v1/sip_trunks/0b6f8a7e-5f0c-4c1e-9a57-2f5d7d1e8c3a" },
      },
    ],
  },
);

export const PhoneCallHop = Type.Object({ hop: Type.Integer(), destination: S(), sip_code: Type.Integer(), sip_reason: S(), at: S(TIME) }, { $id: "PhoneCallHop" });

export const PhoneCallResource = Type.Object(
  {
    id: S("The call sid"),
    type: Type.Literal("phone_call"),
    attributes: Type.Object({
      direction: NullableS("inbound or outbound; null for a call refused before routing"),
      status: S("completed, busy, no-answer, canceled or failed"),
      from: S(),
      to: S(),
      dial_string: NullableS(),
      phone_number: NullableS(),
      inbound_sip_trunk_id: NullableS("UUID"),
      outbound_sip_trunk_id: NullableS("UUID"),
      sip_code: Type.Integer(),
      sip_reason: S(),
      destination_first: NullableS(),
      destination: NullableS(),
      attempts: Type.Integer(),
      hops: Type.Array(Type.Ref(PhoneCallHop)),
      started_at: S(TIME),
      answered_at: NullableS(TIME),
      ended_at: S(TIME),
      duration: Type.Integer({ description: "Answered seconds" }),
      ring_ms: Type.Union([Type.Integer(), Type.Null()]),
      edge_id: NullableS(),
      call_id: S("SIP Call-ID"),
      media: Type.Union([
        Type.Object(
          {
            relay: S("The media relay (rtpengine ng address) that anchored the call"),
            packets: Type.Union([Type.Integer(), Type.Null()], { description: "RTP packets relayed, both directions" }),
            bytes: Type.Union([Type.Integer(), Type.Null()], { description: "RTP bytes relayed, both directions" }),
            errors: Type.Union([Type.Integer(), Type.Null()], { description: "Packets the relay could not relay" }),
          }),
        Type.Null({ description: "Not answered, or no media relay" }),
      ]),
      created_at: S(TIME),
      updated_at: S(TIME),
    }),
    links: self,
  },
  { $id: "PhoneCallResource" },
);

const pageLinks = Type.Object({ prev: NullableS("Full URL of the newer page, or null"), next: NullableS("Full URL of the older page, or null") });

export const JsonApiError = Type.Object(
  {
    status: S("The HTTP status, as a string"),
    code: S("invalid_attribute, invalid_parameter, invalid_document, invalid_json, not_found, unauthorized, rate_limited, ..."),
    title: S(),
    detail: S(),
    source: O(Type.Union([Type.Object({ pointer: S() }), Type.Object({ parameter: S() }), Type.Object({ header: S() })])),
  },
  { $id: "JsonApiError" },
);

export const JsonApiErrorDocument = Type.Object(
  { errors: Type.Array(Type.Ref(JsonApiError), { minItems: 1 }) },
  {
    $id: "JsonApiErrorDocument",
    description: "JSON:API error document",
    examples: [{ errors: [{ status: "422", code: "invalid_attribute", title: "is invalid", detail: "region is invalid", source: { pointer: "/data/attributes/region" } }] }],
  },
);

export const sipTrunkDocument = (description: string) => Type.Object({ data: Type.Ref(SipTrunkResource) }, { description });
export const SipTrunkListDocument = Type.Object({ data: Type.Array(Type.Ref(SipTrunkResource)), links: pageLinks }, { description: "A page of SIP trunks, newest first" });
export const PhoneCallDocument = Type.Object({ data: Type.Ref(PhoneCallResource) }, { description: "The phone call" });
export const PhoneCallListDocument = Type.Object({ data: Type.Array(Type.Ref(PhoneCallResource)), links: pageLinks }, { description: "A page of phone calls, newest first" });

const error = (description: string) => Type.Ref(JsonApiErrorDocument, { description });

/** Errors every carrier route can answer (its hooks and error handler); routes add the rest. */
export function carrierErrorResponses(method: string): Record<string, TSchema> {
  const writes = method === "POST" || method === "PATCH";
  return {
    400: error("A bad query parameter (source.parameter), malformed JSON or a document that is not JSON:API"),
    401: error("Missing or wrong Bearer token"),
    403: error("Trunkline-Account names another account and the caller is no operator (code forbidden; routes add their own)"),
    404: error("Trunkline-Account names an account that does not exist (code not_found; routes add their own)"),
    406: error("Accept lists the JSON:API media type only with parameters other than ext and profile"),
    ...(writes ? { 413: error("The body exceeds the size limit"), 415: error("A body that is not application/vnd.api+json or application/json") } : {}),
    429: error("Rate limit exceeded; see the X-RateLimit-* headers"),
    500: error("Internal server error; the request is logged"),
  };
}

export const carrierNotFound = (what: string) => ({ 404: error(`${what} does not exist (or is another account's)`) });
export const clientGeneratedId = { 403: error("A client-generated id (data.id) is not supported") };
export const unprocessable = { 422: error("Invalid attributes: one error per failing attribute, each with source.pointer") };

export const CARRIER_SCHEMAS: TSchema[] = [SipTrunkResourceAttributes, SipTrunkResource, PhoneCallHop, PhoneCallResource, JsonApiError, JsonApiErrorDocument];
