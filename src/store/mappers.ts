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
  return { sid: row.sid, apiKey: row.api_key, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** Opens a sealed credential password (the service context's SecretBox). */
export type OpenSecret = (sealed: string) => string;

export type CredentialFields = Pick<CredentialRow, "id" | "username" | "password_enc" | "friendly_name" | "created_at" | "updated_at">;

export function mapCredential(row: CredentialFields, trunkSid: string, open: OpenSecret): Credential {
  return { id: row.id, trunkSid, username: row.username, password: open(row.password_enc), friendlyName: row.friendly_name, createdAt: row.created_at, updatedAt: row.updated_at };
}

/**
 * Child rows that travel inside one trunk query as JSON arrays of values (not objects: shorter
 * to build, send and parse). The repository builds each array from the same field list the
 * mapper reads it with, so the two cannot drift apart.
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
  if (value === null || value === undefined) return [];
  return (typeof value === "string" ? JSON.parse(value) : value) as unknown[][];
}

function zipRows<K extends string>(fields: readonly K[], value: unknown): Record<K, never>[] {
  return jsonValues(value).map((values) => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i++) o[fields[i] as string] = values[i];
    return o as Record<K, never>;
  });
}

export type TrunkBaseRow = TrunkRow & { secure_trunking: number | boolean | null };

/** A trunk row with its children aggregated in the same query (trunksRepo's detail queries). */
export type TrunkDetailRow = TrunkBaseRow & {
  route_prefixes: unknown;
  acl: unknown;
  destinations: unknown;
  credentials: unknown;
  caller_id: string | null;
};

export function mapTrunkDetail(row: TrunkDetailRow, open: OpenSecret): TrunkDetail {
  const trunk = mapTrunk(row);
  const acl = zipRows(CHILD_FIELDS.acl, row.acl) as unknown as WhitelistedIpRow[];
  const destinations = zipRows(CHILD_FIELDS.destinations, row.destinations) as unknown as DestinationRow[];
  const credentials = zipRows(CHILD_FIELDS.credentials, row.credentials) as unknown as CredentialFields[];
  return {
    ...trunk,
    routePrefixes: jsonValues(row.route_prefixes) as unknown as string[],
    acl: acl.map((r) => mapWhitelistedIp(r, trunk.sid)),
    destinations: destinations.map((r) => mapDestination(r, trunk.sid)),
    callerId: row.caller_id ?? null,
    credentials: credentials.map((r) => mapCredential(r, trunk.sid, open)),
  };
}

/** The credentials of a trunk read with it in one query (trunksRepo.withCredentials). */
export function mapCredentialsJson(value: unknown, trunkSid: string, open: OpenSecret): Credential[] {
  return (zipRows(CHILD_FIELDS.credentials, value) as unknown as CredentialFields[]).map((r) => mapCredential(r, trunkSid, open));
}

/** Child rows of one trunk read with it in one query (childrenOfTrunk.ts). */
export function mapAclJson(value: unknown, trunkSid: string): WhitelistedIp[] {
  return (zipRows(CHILD_FIELDS.acl, value) as unknown as WhitelistedIpRow[]).map((r) => mapWhitelistedIp(r, trunkSid));
}
export function mapDestinationsJson(value: unknown, trunkSid: string): Destination[] {
  return (zipRows(CHILD_FIELDS.destinations, value) as unknown as DestinationRow[]).map((r) => mapDestination(r, trunkSid));
}
export function mapSettingsJson(value: unknown, trunkSid: string): TrunkSetting[] {
  return (zipRows(CHILD_FIELDS.settings, value) as unknown as TrunkSettingRow[]).map((r) => mapTrunkSetting(r, trunkSid));
}

/** A page of a trunk's numbers read with the trunk in one query (phoneNumbersRepo.pageOfTrunk). */
export function mapPhoneNumbersJson(value: unknown, trunkSid: string): PhoneNumber[] {
  return (zipRows(CHILD_FIELDS.phoneNumbers, value) as unknown as Omit<PhoneNumberRow, "trunk_id">[]).map((r) => mapPhoneNumber(r, trunkSid));
}
