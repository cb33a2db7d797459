import type { Account, AuthenticationMode, Credential, Destination, NumberMode, PhoneNumber, Transport, Trunk, TrunkDetail, TrunkSetting, WhitelistedIp } from "../domain/types.js";
import type { Insertable, Updateable } from "kysely";
import type { NewTrunkAggregate } from "./repositories/newTrunk.js";
import type {
  AccountRow,
  AccountsTable,
  CredentialRow,
  CredentialsTable,
  DestinationRow,
  DestinationsTable,
  NewTrunkRow,
  PhoneNumberRow,
  TrunkRow,
  TrunkRowUpdate,
  TrunkSettingRow,
  WhitelistedIpRow,
  WhitelistedIpsTable,
} from "./schema.js";

/** Row ⇄ entity mapping lives here only, so neither side leaks into the other (writes: at the end). */
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
  routePrefixes: ["position", "prefix"],
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

/**
 * A trunk's own columns as the detail queries send them, in this order (trunksRepo.withDetail),
 * followed by DETAIL_CHILDREN; mapTrunkDetail reads them by position — change both together.
 */
export const TRUNK_FIELDS = [
  "id",
  "sid",
  "uuid",
  "account_sid",
  "name",
  "nso_code",
  "domain_name",
  "auth_type",
  "status",
  "region",
  "authentication_mode",
  "max_channels",
  "inbound_country",
  "outbound_dial_string_prefix",
  "outbound_national_dialing",
  "outbound_plus_prefix",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof TrunkRow)[];
/** What follows the trunk's fields in a detail value, in this order. */
export const DETAIL_CHILDREN = ["caller_id", "route_prefixes", "acl", "destinations", "credentials"] as const;

/**
 * A trunk with its children as one JSON array (TRUNK_FIELDS, then DETAIL_CHILDREN, the children
 * nested as arrays of values): text on SQLite, parsed by the driver on PostgreSQL. One value, not
 * a row of 23 columns: on SQLite the driver's row objects cost more than the query (a page of 100:
 * ~1,000 µs as columns, ~400 µs as one JSON text parsed here).
 */
export interface TrunkDetailRow {
  detail: unknown;
}

// The detail queries send children unordered (trunksRepo.selectDetails): sorted here as the
// child lists' queries order them. Most trunks have none or one of each.
const byFirst = (a: V, b: V) => (a[0] as number) - (b[0] as number);
/** Destinations in routing order: priority, then weight (heaviest first), then id. */
const byRoutingOrder = (a: V, b: V) => (a[4] as number) - (b[4] as number) || (b[5] as number) - (a[5] as number) || (a[0] as number) - (b[0] as number);
function sorted(value: unknown, order: (a: V, b: V) => number): V[] {
  const rows = jsonValues(value);
  return rows.length > 1 ? rows.sort(order) : rows;
}

/**
 * The trunk's object built as one literal, in Trunk's field order and then the children's (not
 * grown property by property or spread: objects V8 keeps in one fast shape).
 */
export function mapTrunkDetail(row: TrunkDetailRow, open: OpenSecret): TrunkDetail {
  const v = (typeof row.detail === "string" ? JSON.parse(row.detail) : row.detail) as V;
  const sid = v[1] as string;
  const destinations = sorted(v[21], byRoutingOrder).map((d) => mapDestination(destinationRow(d), sid));
  return {
    id: v[0],
    sid,
    uuid: v[2],
    accountSid: v[3],
    name: v[4],
    nsoCode: v[5],
    domainName: v[6],
    authType: v[7],
    status: v[8],
    region: v[9],
    authenticationMode: v[10],
    maxChannels: v[11],
    inboundCountry: v[12],
    outboundDialStringPrefix: v[13],
    outboundNationalDialing: v[14] === 1,
    outboundPlusPrefix: v[15] === 1,
    // From the destinations at hand: the detail queries run no secure_trunking subquery.
    secureTrunking: destinations.some((d) => d.transport === "tls"),
    createdAt: v[16],
    updatedAt: v[17],
    // [position, prefix] pairs (CHILD_FIELDS.routePrefixes).
    routePrefixes: sorted(v[19], byFirst).map((p) => p[1]),
    acl: sorted(v[20], byFirst).map((a) => mapWhitelistedIp(aclRow(a), sid)),
    destinations,
    callerId: (v[18] as string | null) ?? null,
    credentials: sorted(v[22], byFirst).map((c) => mapCredential(credentialRow(c), sid, open)),
  } as TrunkDetail;
}

/** The credentials of a trunk read with it in one query (trunksRepo.withCredentials). */
export function mapCredentialsJson(value: unknown, trunkSid: string, open: OpenSecret): Credential[] {
  return sorted(value, byFirst).map((v) => mapCredential(credentialRow(v), trunkSid, open));
}

/**
 * Child rows of one trunk read with it in one query (childrenOfTrunk.ts). Every such list is
 * oldest first, by id: the queries aggregate a page in no particular order and the rows are
 * sorted here (an ORDER BY inside the aggregate was ~20% of a page of 50 numbers on SQLite).
 */
export function mapAclJson(value: unknown, trunkSid: string): WhitelistedIp[] {
  return sorted(value, byFirst).map((v) => mapWhitelistedIp(aclRow(v), trunkSid));
}
export function mapDestinationsJson(value: unknown, trunkSid: string): Destination[] {
  return sorted(value, byFirst).map((v) => mapDestination(destinationRow(v), trunkSid));
}
export function mapSettingsJson(value: unknown, trunkSid: string): TrunkSetting[] {
  return sorted(value, byFirst).map((v) => mapTrunkSetting(settingRow(v), trunkSid));
}

/** A page of a trunk's numbers read with the trunk in one query (phoneNumbersRepo.pageOfTrunk). */
export function mapPhoneNumbersJson(value: unknown, trunkSid: string): PhoneNumber[] {
  return sorted(value, byFirst).map((v) => mapPhoneNumber(numberRow(v), trunkSid));
}

// ---------------------------------------------------------------------------------------------
// Entity → row, for writes. The services decide the values (ids, defaults, sealed secrets,
// times); the rows' shape is written here only, as the reads' is above.

/**
 * An update's columns: each field of `change` that is set (undefined leaves its column as it is)
 * under its column's name, then `updated_at`. Field names come from the callers below, never from input.
 */
function changedColumns<T>(change: object, columns: Record<string, string>, now: string): T {
  const values = change as Record<string, unknown>;
  const set: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(columns)) if (values[field] !== undefined) set[column] = values[field];
  set.updated_at = now;
  return set as T;
}

const flag = (value: boolean | undefined) => (value === undefined ? undefined : value ? 1 : 0);

/** A trunk's own fields a patch may set (its children are written apart). */
export type TrunkOwnFields = Pick<
  Trunk,
  "name" | "nsoCode" | "domainName" | "authType" | "region" | "authenticationMode" | "maxChannels" | "inboundCountry" | "outboundDialStringPrefix" | "outboundNationalDialing" | "outboundPlusPrefix"
>;

/** The trunk columns a patch sets (a field left undefined stays as it is), and `updated_at`. */
export function trunkUpdateRow(patch: Partial<TrunkOwnFields>, now: string): TrunkRowUpdate {
  const values = { ...patch, outboundNationalDialing: flag(patch.outboundNationalDialing), outboundPlusPrefix: flag(patch.outboundPlusPrefix) };
  return changedColumns(values, TRUNK_COLUMNS_OF, now);
}

/** Each of the trunk's own fields and its column. */
const TRUNK_COLUMNS_OF: Record<keyof TrunkOwnFields, string> = {
  name: "name",
  nsoCode: "nso_code",
  domainName: "domain_name",
  authType: "auth_type",
  region: "region",
  authenticationMode: "authentication_mode",
  maxChannels: "max_channels",
  inboundCountry: "inbound_country",
  outboundDialStringPrefix: "outbound_dial_string_prefix",
  outboundNationalDialing: "outbound_national_dialing",
  outboundPlusPrefix: "outbound_plus_prefix",
};

/** A credential as it is stored: its password already sealed and its HA1 computed (the service's crypto). */
export interface StoredCredential {
  username: string;
  passwordSealed: string;
  ha1: string;
  realm: string;
  friendlyName: string | null;
}

export function newCredentialRow(c: StoredCredential, now: string): Omit<Insertable<CredentialsTable>, "trunk_id"> {
  return { username: c.username, password_enc: c.passwordSealed, ha1: c.ha1, realm: c.realm, friendly_name: c.friendlyName, created_at: now, updated_at: now };
}

/** A credential's new password (sealed, with its HA1) and/or friendly name, and `updated_at`. */
export function credentialUpdateRow(change: Partial<Omit<StoredCredential, "username">>, now: string): Updateable<CredentialsTable> {
  return changedColumns(change, { passwordSealed: "password_enc", ha1: "ha1", realm: "realm", friendlyName: "friendly_name" }, now);
}

export function newAclRow(entry: { ip: string; mask: number; friendlyName: string | null }, now: string): Omit<Insertable<WhitelistedIpsTable>, "trunk_id"> {
  return { ip: entry.ip, mask: entry.mask, friendly_name: entry.friendlyName, created_at: now, updated_at: now };
}

export function newDestinationRow(d: Pick<Destination, "host" | "port" | "transport" | "priority" | "weight">, now: string): Omit<Insertable<DestinationsTable>, "trunk_id"> {
  return { host: d.host, port: d.port, transport: d.transport, priority: d.priority, weight: d.weight, created_at: now, updated_at: now };
}

/** A destination's changed fields (undefined: left as they are), and `updated_at`. */
export function destinationUpdateRow(change: Partial<Pick<Destination, "host" | "port" | "priority" | "weight">>, now: string): Updateable<DestinationsTable> {
  return changedColumns(change, { host: "host", port: "port", priority: "priority", weight: "weight" }, now);
}

/** A new trunk as the service decided it, and what is written with it. */
export interface NewTrunkValues {
  trunk: Omit<Trunk, "id" | "secureTrunking">;
  credentials: StoredCredential[];
  /** In order; written with their positions. */
  routePrefixes: string[];
  acl: { ip: string; mask: number }[];
  destinations: Pick<Destination, "host" | "port" | "transport" | "priority" | "weight">[];
  /** The caller id setting's name and value, when there is one. */
  settings: { name: string; value: string }[];
}

/** The rows a new trunk is written as (newTrunk.ts), every child stamped with the trunk's creation time. */
export function newTrunkRows(values: NewTrunkValues): NewTrunkAggregate {
  const t = values.trunk;
  const now = t.createdAt;
  const trunk: NewTrunkRow = {
    sid: t.sid,
    uuid: t.uuid,
    account_sid: t.accountSid,
    name: t.name,
    nso_code: t.nsoCode,
    domain_name: t.domainName,
    auth_type: t.authType,
    status: t.status,
    region: t.region,
    authentication_mode: t.authenticationMode,
    max_channels: t.maxChannels,
    inbound_country: t.inboundCountry,
    outbound_dial_string_prefix: t.outboundDialStringPrefix,
    outbound_national_dialing: t.outboundNationalDialing ? 1 : 0,
    outbound_plus_prefix: t.outboundPlusPrefix ? 1 : 0,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
  return {
    trunk,
    credentials: values.credentials.map((c) => newCredentialRow(c, now)),
    routePrefixes: values.routePrefixes.map((prefix, position) => ({ prefix, position })),
    acl: values.acl.map((e) => newAclRow({ ip: e.ip, mask: e.mask, friendlyName: null }, now)),
    destinations: values.destinations.map((d) => newDestinationRow(d, now)),
    settings: values.settings.map((x) => ({ name: x.name, value: x.value, created_at: now, updated_at: now })),
  };
}

/** A new account's row; only the token's hash is stored. */
export function newAccountRow(a: { sid: string; name: string | null; operator: boolean; apiKey: string; tokenHash: string }, now: string): AccountRow {
  return { sid: a.sid, name: a.name, operator: a.operator ? 1 : 0, api_key: a.apiKey, token_hash: a.tokenHash, created_at: now, updated_at: now };
}

/** An account's new API token (its hash) and, on a key rotation, API key; and `updated_at`. */
export function accountCredentialsRow(change: { apiKey?: string; tokenHash: string }, now: string): Updateable<AccountsTable> {
  return changedColumns(change, { apiKey: "api_key", tokenHash: "token_hash" }, now);
}

/** An account's new name and/or operator flag, and `updated_at`. */
export function accountUpdateRow(change: { name?: string | null; operator?: boolean }, now: string): Updateable<AccountsTable> {
  return changedColumns({ name: change.name, operator: flag(change.operator) }, { name: "name", operator: "operator" }, now);
}
