import { Type, type TSchema } from "@sinclair/typebox";
import { nullableStr as NullableS, str as S } from "../../../http/openapiSchemas.js";

/**
 * Response schemas of Exotel v1 Call Details (render.ts prints them): documentation of the wire
 * for the OpenAPI document, never used to serialize (src/http/openapi.ts). Fields beyond these
 * may be added by the renderer (the spec allows extra fields beside the standard ones).
 */

const TIME = "YYYY-MM-DD HH:mm:ss, UTC";

export const V1CallDetails = Type.Object(
  {
    ConversationDuration: Type.Integer({ description: "Answered seconds" }),
    Leg1Status: S(),
    Leg2Status: NullableS(),
    Legs: Type.Array(Type.Object({ Leg: Type.Object({ Id: Type.Integer(), OnCallDuration: Type.Integer() }) })),
    Hops: Type.Array(
      Type.Object({ Hop: Type.Integer(), Destination: S(), SipCode: Type.Integer(), SipReason: S(), Time: S(TIME) }),
      { description: "Ours: each destination that failed before the last, in order" },
    ),
  },
  { $id: "V1CallDetails", description: "With details=true: legs and failover hops" },
);

export const V1Call = Type.Object(
  {
    Sid: S("Call sid"),
    ParentCallSid: Type.Null(),
    DateCreated: S(TIME),
    DateUpdated: S(TIME),
    AccountSid: S(),
    To: S(),
    From: S(),
    PhoneNumberSid: NullableS("The platform number involved"),
    Status: S("completed, failed, busy, no-answer or canceled"),
    StartTime: S(TIME),
    EndTime: NullableS(TIME),
    Duration: S("Answered seconds, as a string"),
    Price: Type.Null({ description: "No rating: always null" }),
    Direction: NullableS("inbound or outbound-dial; null for a call refused before routing"),
    AnsweredBy: Type.Null(),
    RecordingUrl: NullableS(),
    TrunkSid: NullableS("Ours: the trunk the call came in on"),
    TrunkSidOut: NullableS("Ours: the trunk the call went out on"),
    SipCode: Type.Integer({ description: "Ours: the final SIP status" }),
    SipReason: S("Ours: its reason phrase"),
    Destination: NullableS("Ours: the destination that answered or was tried last"),
    Attempts: Type.Integer({ description: "Ours: destinations tried" }),
    Media: Type.Union([
      Type.Object(
        {
          Relay: S("Ours: the media relay (rtpengine ng address) that anchored the call"),
          Packets: Type.Union([Type.Integer(), Type.Null()], { description: "RTP packets relayed, both directions" }),
          Bytes: Type.Union([Type.Integer(), Type.Null()], { description: "RTP bytes relayed, both directions" }),
          Errors: Type.Union([Type.Integer(), Type.Null()], { description: "Packets the relay could not relay" }),
        }),
      Type.Null({ description: "Ours: not answered, or no media relay" }),
    ]),
    Details: Type.Optional(Type.Ref(V1CallDetails)),
  },
  { $id: "V1Call" },
);

export const V1RestException = Type.Object(
  { RestException: Type.Object({ Status: Type.Integer(), Message: S() }) },
  { $id: "V1RestException", description: "Exotel v1 error body", examples: [{ RestException: { Status: 404, Message: "Call 0f1e2d3c4b5a69788796a5b4c3d2e1f0 not found" } }] },
);

export const V1CallResponse = Type.Object({ Call: Type.Ref(V1Call) }, { description: "The call" });

export const V1CallList = Type.Object(
  {
    Metadata: Type.Object({ PageSize: Type.Integer(), FirstPageUri: S(), PrevPageUri: NullableS(), NextPageUri: NullableS() }),
    Calls: Type.Array(Type.Ref(V1Call)),
  },
  { description: "A page of calls; follow NextPageUri / PrevPageUri" },
);

const error = (description: string) => Type.Ref(V1RestException, { description });

/** Errors every v1 route can answer (auth hook and error handler). */
export function v1ErrorResponses(): Record<string, TSchema> {
  return {
    400: error("A malformed filter or cursor (the message names the parameter)"),
    401: error("Missing or wrong api_key:api_token"),
    403: error("The account in the path is not the caller's (and the caller is no operator)"),
    404: error("An operator named an account that does not exist (routes add their own)"),
    429: error("Rate limit exceeded (shared with the v2 API)"),
    500: error("Internal server error; the request is logged"),
  };
}

export const v1NotFound = { 404: error("Unknown call, or another account's (the same answer)") };

export const V1_SCHEMAS: TSchema[] = [V1CallDetails, V1Call, V1RestException];
