import type { CallRecord } from "../../../domain/calls.js";

/** Exotel v1 times: `YYYY-MM-DD HH:mm:ss`, UTC (ours: Exotel's own are local time). */
export function exotelTime(iso: string): string;
export function exotelTime(iso: string | null): string | null;
export function exotelTime(iso: string | null): string | null {
  return iso === null ? null : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** PSTN → trunk is `inbound`, trunk → PSTN `outbound-dial`; a call refused before routing has none. */
export function exotelDirection(direction: CallRecord["direction"]): string | null {
  return direction === null ? null : direction === "inbound" ? "inbound" : "outbound-dial";
}

function details(call: CallRecord) {
  const tried = call.attempts > 0;
  return {
    ConversationDuration: call.duration,
    // Leg 1: the caller towards the edge; leg 2: the edge towards the destination that answered
    // (or the last one tried).
    Leg1Status: call.status,
    Leg2Status: tried ? call.status : null,
    Legs: [{ Leg: { Id: 1, OnCallDuration: call.duration } }, ...(tried ? [{ Leg: { Id: 2, OnCallDuration: call.duration } }] : [])],
    // Ours: each destination that failed before the last, in order.
    Hops: (call.hops ?? []).map((h) => ({ Hop: h.hop, Destination: h.destination, SipCode: h.sipCode, SipReason: h.sipReason, Time: exotelTime(h.at) })),
  };
}

/** The call object: Exotel's fields in its order, then ours (docs/calls.md). */
export function renderCall(call: CallRecord, withDetails: boolean) {
  return {
    Sid: call.sid,
    ParentCallSid: null,
    DateCreated: exotelTime(call.startedAt),
    DateUpdated: exotelTime(call.endedAt),
    AccountSid: call.accountSid,
    To: call.to,
    From: call.from,
    PhoneNumberSid: call.phoneNumber,
    Status: call.status,
    StartTime: exotelTime(call.startedAt),
    EndTime: exotelTime(call.endedAt),
    Duration: String(call.duration),
    Price: null,
    Direction: exotelDirection(call.direction),
    AnsweredBy: null,
    RecordingUrl: null,
    TrunkSid: call.trunkIn?.sid ?? null,
    TrunkSidOut: call.trunkOut?.sid ?? null,
    SipCode: call.sipCode,
    SipReason: call.sipReason,
    Destination: call.destination,
    Attempts: call.attempts,
    Media: call.media ? { Relay: call.media.relay, Packets: call.media.packets, Bytes: call.media.bytes, Errors: call.media.errors } : null,
    ...(withDetails ? { Details: details(call) } : {}),
  };
}
