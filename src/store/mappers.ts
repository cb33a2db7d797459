import type { Account, AuthenticationMode, Credential, Destination, NumberMode, PhoneNumber, Transport, Trunk, TrunkDetail, TrunkSetting, WhitelistedIp } from "../domain/types.js";
import type { AccountRow, CredentialRow, DestinationRow, PhoneNumberRow, TrunkRow, TrunkSettingRow, WhitelistedIpRow } from "./schema.js";

/** Row ⇄ entity mapping lives here only, so neither side leaks into the other. */
export function mapTrunk(row: TrunkBaseRow): Trunk {
  return {
    id: row.id,
    sid: row.sid,
    uuid: row.uuid,
    accountSid: row.account_sid,
    name: row.name,
    nsoCode: row.nso_code,
    domainName: row.domain_name,
    authType: row.auth_type,
    status: row.status,
    region: row.region,
    authenticationMode: row.authentication_mode as AuthenticationMode,
    maxChannels: row.max_channels,
    inboundCountry: row.inbound_country,
    outboundDialStringPrefix: row.outbound_dial_string_prefix,
    outboundNationalDialing: row.outbound_national_dialing === 1,
    outboundPlusPrefix: row.outbound_plus_prefix === 1,
    secureTrunking: Boolean(row.secure_trunking),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function mapPhoneNumber(row: Omit<PhoneNumberRow, "trunk_id">, trunkSid: string): PhoneNumber {
  return { id: row.id, trunkSid, number: row.number, mode: row.mode as NumberMode | null, createdAt: row.created_at, updatedAt: row.updated_at };
}

export function mapWhitelistedIp(row: WhitelistedIpRow, trunkSid: string): WhitelistedIp {
  return { id: row.id, trunkSid, ip: row.ip, mask: row.mask, friendlyName: row.friendly_name, createdAt: row.created_at, updatedAt: row.updated_at };
}

export function mapDestination(row: DestinationRow, trunkSid: string): Destination {
  return {
    id: row.id,
    trunkSid,
    host: row.host,
    port: row.port,
    transport: row.transport as Transport,
    priority: row.priority,
    weight: row.weight,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function mapTrunkSetting(row: TrunkSettingRow, trunkSid: string): TrunkSetting {
  return { trunkSid, name: row.name, value: row.value, createdAt: row.created_at, updatedAt: row.updated_at };
}

export function mapAccount(row: AccountRow): Account {
  return { sid: row.sid, name: row.name ?? row.sid, operator: row.operator === 1, apiKey: row.api_key, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** Opens a sealed credential password (the service context's SecretBox). */
export type OpenSecret = (sealed: string) => string;

export type CredentialFields = Pick<CredentialRow, "id" | "username" | "password_enc" | "friendly_name" | "created_at" | "updated_at">;

/**
 * The password is opened when read, not when mapped: a carrier page of 100 trunks carries 100
 * credentials and shows a password only for `client_credentials` trunks (AES-GCM open: ~6 µs each).
 */
export function mapCredential(row: CredentialFields, trunkSid: string, open: OpenSecret): Credential {
  const sealed = row.password_enc;
  return {
    id: row.id,
    trunkSid,
    username: row.username,
    get password() {
      return open(sealed);
    },
    friendlyName: row.friendly_name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Child rows that travel inside one trunk query as JSON arrays of values (not objects: shorter
 * to build, send and parse). The repository builds each array from this field list; the row
 * readers below (aclRow, ...) read it by position in the same order — change both together
 * (test/scale/querySnapshots.test.ts shows the SQL, the API suites every field).
 */
export const CHILD_FIELDS = {
  acl: ["id", "ip", "mask", "friendly_name", "created_at", "updated_at"],
  destinations: ["id", "host", "port", "transport", "priority", "weight", "created_at", "updated_at"],
  credentials: ["id", "username", "password_enc", "friendly_name", "created_at", "updated_at"],
  phoneNumbers: ["id", "number", "mode", "created_at", "updated_at"],
  settings: ["id", "name", "value", "created_at", "updated_at"],
} as const satisfies Record<string, readonly string[]>;

/** PostgreSQL hands back `json` parsed, SQLite as text; an empty aggregate is NULL on PostgreSQL. */
function jsonValues(value: unknown): unknown[][] {
  // Most child sets are empty: no parse for them (SQLite's empty json_group_array is "[]").
  if (value === null || value === undefined || value === "[]") return [];
  return (typeof value === "string" ? JSON.parse(value) : value) as unknown[][];
}

// Each child read from its array of values by position, in CHILD_FIELDS order. Object literals,
// not objects built key by key from the field list: profiled, the generic zip cost ~13 µs a row
// (one property store site shared by four shapes), the literals well under 1 µs.
type V = unknown[];
const aclRow = (v: V) => ({ id: v[0], ip: v[1], mask: v[2], friendly_name: v[3], created_at: v[4], updated_at: v[5] }) as WhitelistedIpRow;
const destinationRow = (v: V) =>
  ({ id: v[0], host: v[1], port: v[2], transport: v[3], priority: v[4], weight: v[5], created_at: v[6], updated_at: v[7] }) as DestinationRow;
const credentialRow = (v: V) => ({ id: v[0], username: v[1], password_enc: v[2], friendly_name: v[3], created_at: v[4], updated_at: v[5] }) as CredentialFields;
const numberRow = (v: V) => ({ id: v[0], number: v[1], mode: v[2], created_at: v[3], updated_at: v[4] }) as Omit<PhoneNumberRow, "trunk_id">;
const settingRow = (v: V) => ({ id: v[0], name: v[1], value: v[2], created_at: v[3], updated_at: v[4] }) as TrunkSettingRow;

/** `secure_trunking` is absent from the detail rows (mapTrunkDetail derives it). */
export type TrunkBaseRow = TrunkRow & { secure_trunking?: number | boolean | null };

/** A trunk row with its children aggregated in the same query (trunksRepo's detail queries). */
export type TrunkDetailRow = TrunkRow & {
  route_prefixes: unknown;
  acl: unknown;
  destinations: unknown;
  credentials: unknown;
  caller_id: string | null;
};

/**
 * The trunk's object grown by its children, not `{ ...mapTrunk(row), acl, ... }`: profiled on a
 * carrier page of 100, the spread followed by five more properties cost ~100 µs a trunk (objects
 * V8 no longer kept in a fast shape); adding the properties to the trunk's own object, ~10 µs.
 */
export function mapTrunkDetail(row: TrunkDetailRow, open: OpenSecret): TrunkDetail {
  const detail = mapTrunk(row) as TrunkDetail;
  const destinations = mapDestinationsJson(row.destinations, row.sid);
  // From the destinations at hand: the detail queries run no secure_trunking subquery.
  detail.secureTrunking = destinations.some((d) => d.transport === "tls");
  detail.routePrefixes = jsonValues(row.route_prefixes) as unknown as string[];
  detail.acl = mapAclJson(row.acl, row.sid);
  detail.destinations = destinations;
  detail.callerId = row.caller_id ?? null;
  detail.credentials = mapCredentialsJson(row.credentials, row.sid, open);
  return detail;
}

/** The credentials of a trunk read with it in one query (trunksRepo.withCredentials). */
export function mapCredentialsJson(value: unknown, trunkSid: string, open: OpenSecret): Credential[] {
  return jsonValues(value).map((v) => mapCredential(credentialRow(v), trunkSid, open));
}

/** Child rows of one trunk read with it in one query (childrenOfTrunk.ts). */
export function mapAclJson(value: unknown, trunkSid: string): WhitelistedIp[] {
  return jsonValues(value).map((v) => mapWhitelistedIp(aclRow(v), trunkSid));
}
export function mapDestinationsJson(value: unknown, trunkSid: string): Destination[] {
  return jsonValues(value).map((v) => mapDestination(destinationRow(v), trunkSid));
}
export function mapSettingsJson(value: unknown, trunkSid: string): TrunkSetting[] {
  return jsonValues(value).map((v) => mapTrunkSetting(settingRow(v), trunkSid));
}

/** A page of a trunk's numbers read with the trunk in one query (phoneNumbersRepo.pageOfTrunk). */
export function mapPhoneNumbersJson(value: unknown, trunkSid: string): PhoneNumber[] {
  return jsonValues(value).map((v) => mapPhoneNumber(numberRow(v), trunkSid));
}
