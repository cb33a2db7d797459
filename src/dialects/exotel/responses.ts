import { Type, type TSchema } from "@sinclair/typebox";
import { DestinationHealth, nullableStr as NullableS, str as S } from "../../http/openapiSchemas.js";
import { EXOTEL_ERRORS } from "./envelope.js";

/**
 * Response schemas of the Exotel v2 wire (envelope.ts and render.ts print it): they document the
 * responses in the OpenAPI document and never serialize them (src/http/openapi.ts). Fields are
 * in the order the wire prints them; extension fields are marked as such.
 */

const TIME = "ISO 8601 UTC, e.g. 2026-01-23T09:24:59Z";
const SAMPLE_TRUNK = "trmum1a2b3c4d5e6f7890123456";
const SAMPLE_BASE = `/v2/accounts/exoteltest/trunks/${SAMPLE_TRUNK}`;

export const ExotelTrunk = Type.Object(
  {
    trunk_name: S(),
    date_created: S(TIME),
    date_updated: S(TIME),
    trunk_sid: S(),
    status: S("active or inactive"),
    domain_name: S(),
    auth_type: S("IP-WHITELIST (default) or CREDENTIAL"),
    registration_enabled: S("Always disabled"),
    edge_preference: S("Always auto"),
    nso_code: S(),
    secure_trunking: S("enabled or disabled"),
    destination_uris: S("API path of the trunk's destination URIs"),
    whitelisted_ips: S("API path of the trunk's whitelisted IPs"),
    credentials: S("API path of the trunk's credentials"),
    phone_numbers: S("API path of the trunk's phone numbers"),
    active_calls: Type.Optional(Type.Integer({ minimum: 0, description: "Extension, on GET only: calls up on the trunk now" })),
  },
  {
    $id: "ExotelTrunk",
    examples: [
      {
        trunk_name: "outbound_trunk",
        date_created: "2026-01-23T09:24:59Z",
        date_updated: "2026-01-23T09:24:59Z",
        trunk_sid: SAMPLE_TRUNK,
        status: "active",
        domain_name: "exoteltest.pstn.exotel.com",
        auth_type: "IP-WHITELIST",
        registration_enabled: "disabled",
        edge_preference: "auto",
        nso_code: "ANY-ANY",
        secure_trunking: "disabled",
        destination_uris: `${SAMPLE_BASE}/destination-uris`,
        whitelisted_ips: `${SAMPLE_BASE}/whitelisted-ips`,
        credentials: `${SAMPLE_BASE}/credentials`,
        phone_numbers: `${SAMPLE_BASE}/phone-numbers`,
      },
    ],
  },
);

export const ExotelPhoneNumber = Type.Object(
  { id: S("Digits"), phone_number: S("E.164"), trunk_sid: S(), date_created: S(TIME), date_updated: S(TIME), mode: NullableS("pstn, flow or null") },
  { $id: "ExotelPhoneNumber" },
);

export const ExotelWhitelistedIp = Type.Object(
  { id: S("Digits"), mask: Type.Integer({ minimum: 1, maximum: 32 }), trunk_sid: S(), ip: S("IPv4"), friendly_name: NullableS(), date_created: S(TIME), date_updated: S(TIME) },
  { $id: "ExotelWhitelistedIp" },
);

export const ExotelDestination = Type.Object(
  {
    id: S("Digits"),
    destination: S("sip:host:port;transport=tls|tcp"),
    trunk_sid: S(),
    date_created: S(TIME),
    date_updated: S(TIME),
    type: S("Always public"),
    priority: Type.Integer({ minimum: 0, maximum: 65535 }),
    weight: Type.Integer({ minimum: 1, maximum: 65535 }),
    health: Type.Optional(Type.Ref(DestinationHealth, { description: "Extension, on GET only" })),
  },
  { $id: "ExotelDestination" },
);

export const ExotelSetting = Type.Object({ name: S("trunk_external_alias"), value: S("E.164"), trunk_sid: S(), date_created: S(TIME), date_updated: S(TIME) }, { $id: "ExotelSetting" });

export const ExotelCredential = Type.Object(
  { id: S("Digits"), username: S(), password: S(), friendly_name: NullableS(), trunk_sid: S(), date_created: S(TIME), date_updated: S(TIME) },
  { $id: "ExotelCredential" },
);

export const ExotelCredentialPair = Type.Object(
  { username: S(), password: S(), id: Type.Optional(S("Extension: the credential's id (digits), for PUT/DELETE .../credentials?id=")) },
  { $id: "ExotelCredentialPair", description: "The reference's shape, while the trunk has exactly one credential (plus its id, an extension)", examples: [{ username: SAMPLE_TRUNK, password: "Xk9mP2nQ4rS6tU8v" }] },
);

export const ExotelTrunkMap = Type.Object({ exophone: S("E.164"), trunk_sid: S(), phone_number_id: S("Digits"), mode: NullableS("pstn, flow or null") }, { $id: "ExotelTrunkMap" });

export const ExotelErrorData = Type.Object(
  {
    code: Type.Integer({ enum: Object.keys(EXOTEL_ERRORS).map(Number), description: Object.entries(EXOTEL_ERRORS).map(([c, m]) => `${c}: ${m}`).join("; ") }),
    message: S(),
    description: S("What was wrong, for a person to read"),
  },
  { $id: "ExotelErrorData" },
);

const FailureItem = Type.Object({ status: Type.Literal("failure"), code: Type.Integer({ description: "The HTTP status of this item" }), error_data: Type.Ref(ExotelErrorData) });

const head = { request_id: S("32 hex characters; also the X-Request-Id header"), method: S(), http_code: Type.Integer() };

export const ExotelError = Type.Object(
  { ...head, response: FailureItem },
  {
    $id: "ExotelError",
    description: "Exotel v2 error body",
    examples: [
      {
        request_id: "a1b2c3d4e5f60789abcdef1234567890",
        method: "POST",
        http_code: 409,
        response: { status: "failure", code: 409, error_data: { code: 1002, message: "Resource exists", description: "Trunk with name 'outbound_trunk' already exists" } },
      },
    ],
  },
);

const successItem = (data: TSchema) => Type.Object({ code: Type.Literal(200), error_data: Type.Null(), status: Type.Literal("success"), data });

/** `{request_id, method, http_code, response: {code, error_data, status, data}}`. */
export function exotelData(data: TSchema, description: string) {
  return Type.Object({ ...head, response: successItem(data) }, { description });
}

export const ExotelListMetadata = Type.Object(
  { page_size: Type.Integer(), first_page_uri: S(), prev_page_uri: NullableS(), next_page_uri: NullableS() },
  { $id: "ExotelListMetadata" },
);

/** A page: `metadata` with the page URIs and `response.data` a list. */
export function exotelList(item: TSchema, description: string) {
  return Type.Object({ ...head, metadata: Type.Ref(ExotelListMetadata), response: successItem(Type.Array(item)) }, { description });
}

export const ExotelBatchMetadata = Type.Object({ total: Type.Integer(), success: Type.Integer(), failed: Type.Integer() }, { $id: "ExotelBatchMetadata" });

/** Batch writes: one item per input, in order; 200 when all succeeded, 207 when any failed. */
export function exotelBatch(item: TSchema, description: string) {
  const failed = Type.Object({ ...FailureItem.properties, data: Type.Null() });
  return Type.Object({ ...head, metadata: Type.Ref(ExotelBatchMetadata), response: Type.Array(Type.Union([successItem(item), failed])) }, { description });
}

/** The batch responses of a write: 200 (all items succeeded) and 207 (some failed, each with its error). */
export function exotelBatchResponses(item: TSchema, noun: string) {
  return { 200: exotelBatch(item, `Every ${noun} written`), 207: exotelBatch(item, `Some items failed: each carries its own error (HTTP code and error_data) and data null`) };
}

const error = (description: string) => Type.Ref(ExotelError, { description });

/** Errors every Exotel v2 route can answer (its hooks and error handler); routes add 404/409. */
export function exotelErrorResponses(method: string): Record<string, TSchema> {
  return {
    400: error("Invalid request: a bad or missing parameter (1000, 1001), invalid JSON (1007)"),
    401: error("Authorization failed (1010): missing or wrong api_key:api_token"),
    403: error("Access denied (1011): the account in the path is not the caller's (and the caller is no operator)"),
    404: error("Resource not found (1003): an operator named an account that does not exist (routes add their own)"),
    ...(method === "GET" ? {} : { 413: error("The body exceeds the size limit (1000)") }),
    415: error("A body that is not application/json (1000)"),
    429: error("Rate limit exceeded (1030); see the X-RateLimit-* headers"),
    500: error("Internal server error (1500); the request is logged"),
  };
}

export const notFound = (what: string) => ({ 404: error(`Resource not found (1003): ${what}`) });
export const conflict = (what: string) => ({ 409: error(`Resource exists (1002): ${what}`) });

export const EXOTEL_SCHEMAS: TSchema[] = [
  ExotelTrunk,
  ExotelPhoneNumber,
  ExotelWhitelistedIp,
  DestinationHealth,
  ExotelDestination,
  ExotelSetting,
  ExotelCredential,
  ExotelCredentialPair,
  ExotelTrunkMap,
  ExotelErrorData,
  ExotelError,
  ExotelListMetadata,
  ExotelBatchMetadata,
];
