import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/**
 * The control plane's own tables. Timestamps are ISO 8601 UTC strings without millis
 * ("2026-01-23T09:24:59Z") on both engines: they sort lexically and render as the wire wants.
 * Booleans are 0/1 integers on both engines so one set of queries serves both.
 */
export interface AccountsTable {
  sid: string;
  api_key: string;
  /** sha256 hex of the API token; tokens are random and long, so a fast hash is enough. */
  token_hash: string;
  created_at: string;
  updated_at: string;
  /** 1: may act on every account and read the platform (migration 009; docs/operators.md). */
  operator: ColumnType<number, number | undefined, number>;
  /** Display name; null shows the sid (migration 009). */
  name: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface TrunksTable {
  id: Generated<number>;
  /** Exotel trunk sid: "tr" + region code + random, 28 chars. */
  sid: string;
  /** Carrier JSON:API id (UUID). */
  uuid: string;
  account_sid: string;
  name: string;
  nso_code: string;
  domain_name: string;
  auth_type: string;
  status: string;
  region: string;
  authentication_mode: string;
  max_channels: number | null;
  inbound_country: string | null;
  outbound_dial_string_prefix: string | null;
  outbound_national_dialing: ColumnType<number, number | undefined, number>;
  outbound_plus_prefix: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export interface RoutePrefixesTable {
  trunk_id: number;
  prefix: string;
  position: number;
}

export interface PhoneNumbersTable {
  id: Generated<number>;
  trunk_id: number;
  /** E.164 with "+", unique across the whole system. */
  number: string;
  mode: string | null;
  created_at: string;
  updated_at: string;
}

export interface WhitelistedIpsTable {
  id: Generated<number>;
  trunk_id: number;
  ip: string;
  mask: number;
  friendly_name: string | null;
  created_at: string;
  updated_at: string;
}

export interface DestinationsTable {
  id: Generated<number>;
  trunk_id: number;
  host: string;
  port: number;
  /** tcp | tls | udp (udp only via the carrier outbound_host). */
  transport: string;
  priority: number;
  weight: number;
  created_at: string;
  updated_at: string;
}

export interface CredentialsTable {
  id: Generated<number>;
  trunk_id: number;
  /** Unique across the system: the SIP edge authenticates by username alone. */
  username: string;
  /** AES-256-GCM sealed password (see crypto/secretBox.ts). */
  password_enc: string;
  /** md5(username:realm:password) for the SIP edge. */
  ha1: string;
  realm: string;
  friendly_name: string | null;
  created_at: string;
  updated_at: string;
}

export interface TrunkSettingsTable {
  id: Generated<number>;
  trunk_id: number;
  name: string;
  value: string;
  created_at: string;
  updated_at: string;
}

/** A running SIP edge, as it registered itself (migration 004; src/edge/registry.ts). */
export interface EdgesTable {
  id: string;
  /** Where API processes reach its JSON-RPC. */
  rpc_url: string;
  /** Its SIP address, ip:port. */
  sip_address: string;
  region: string;
  /** trunkline version the edge runs. */
  version: string;
  heartbeat_seconds: number;
  /** The database's clock. */
  started_at: string;
  heartbeat_at: string;
  stopped_at: string | null;
}

/** A running media relay (rtpengine), as it registered itself (migration 007; src/media/registry.ts). */
export interface MediaRelaysTable {
  id: string;
  /** Where API processes reach its ng control port, ip:port (UDP). */
  ng_address: string;
  /** The address its media sockets are reached on (the advertised one behind NAT). */
  media_address: string;
  version: string;
  heartbeat_seconds: number;
  /** The database's clock. */
  started_at: string;
  heartbeat_at: string;
  stopped_at: string | null;
}

/**
 * A call attempt that reached a final answer, written by the SIP edge when the call ends
 * (migration 005; docs/calls.md). Never written by the API.
 */
export interface CallsTable {
  id: Generated<number>;
  /** 32 lowercase hex, made by the edge. */
  sid: string;
  /** Account of the trunk involved (in, else out); null when rejected before any trunk was known. */
  account_sid: string | null;
  trunk_in_id: number | null;
  trunk_out_id: number | null;
  /** inbound | outbound; null when rejected before routing. */
  direction: string | null;
  /** From user as received. */
  from_number: string;
  /** Request-URI user as received. */
  to_number: string;
  /** Request-URI user as sent to the destination. */
  dial_string: string | null;
  /** The platform number (E.164 with '+') of an inbound call. */
  phone_number: string | null;
  /** completed | busy | no-answer | canceled | failed */
  status: string;
  /** Final SIP code sent to the caller (200 for answered). */
  sip_code: number;
  sip_reason: string;
  destination_first: string | null;
  /** The destination that answered. */
  destination: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  started_at: string;
  answered_at: string | null;
  ended_at: string;
  /** Answered seconds. */
  duration: ColumnType<number, number | undefined, number>;
  /** INVITE to first 18x/200, ms. */
  ring_ms: number | null;
  /** The edge's SIP address (ip:port). */
  edge_id: string | null;
  call_id: string;
  /** The media relay (rtpengine ng address) of an answered call with media anchored, and its RTP counters (008). */
  media_relay: ColumnType<string | null, string | null | undefined, string | null>;
  media_packets: ColumnType<number | null, number | null | undefined, number | null>;
  media_bytes: ColumnType<number | null, number | null | undefined, number | null>;
  media_errors: ColumnType<number | null, number | null | undefined, number | null>;
}

/** A failed destination of a call that failed over (1-based hop). */
export interface CallHopsTable {
  id: Generated<number>;
  call_sid: string;
  hop: number;
  destination: string;
  sip_code: number;
  sip_reason: string;
  at: string;
}

export interface Database {
  accounts: AccountsTable;
  trunks: TrunksTable;
  route_prefixes: RoutePrefixesTable;
  phone_numbers: PhoneNumbersTable;
  whitelisted_ips: WhitelistedIpsTable;
  destinations: DestinationsTable;
  credentials: CredentialsTable;
  trunk_settings: TrunkSettingsTable;
  edges: EdgesTable;
  media_relays: MediaRelaysTable;
  calls: CallsTable;
  call_hops: CallHopsTable;
}

export type AccountRow = Selectable<AccountsTable>;
export type TrunkRow = Selectable<TrunksTable>;
export type NewTrunkRow = Insertable<TrunksTable>;
export type TrunkRowUpdate = Updateable<TrunksTable>;
export type PhoneNumberRow = Selectable<PhoneNumbersTable>;
export type WhitelistedIpRow = Selectable<WhitelistedIpsTable>;
export type DestinationRow = Selectable<DestinationsTable>;
export type CredentialRow = Selectable<CredentialsTable>;
export type TrunkSettingRow = Selectable<TrunkSettingsTable>;
export type EdgeRow = Selectable<EdgesTable>;
export type CallRow = Selectable<CallsTable>;
export type CallHopRow = Selectable<CallHopsTable>;
