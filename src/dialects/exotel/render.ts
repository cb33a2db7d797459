import type { Credential, Destination, PhoneNumber, Trunk, TrunkSetting, WhitelistedIp } from "../../domain/types.js";
import { formatDestination } from "./destination.js";
import type { DestinationHealth } from "../../edge/health.js";

/**
 * Entities as the Exotel wire prints them: field for field and in the reference's order; fields
 * the extended spec adds come after the reference's own. Ids are digit strings.
 */

/** Canonical (hyphenated) paths of a trunk and its sub-resources. */
export function trunkPath(accountSid: string, trunkSid: string): string {
  return `/v2/accounts/${accountSid}/trunks/${trunkSid}`;
}

/**
 * `activeCalls` (GET of a trunk and list items only): the extension field `active_calls`, after
 * the reference's fields; create and update answer in the reference's shape without it.
 */
export function renderTrunk(t: Trunk, activeCalls?: number) {
  const base = trunkPath(t.accountSid, t.sid);
  return {
    trunk_name: t.name,
    date_created: t.createdAt,
    date_updated: t.updatedAt,
    trunk_sid: t.sid,
    status: t.status,
    domain_name: t.domainName,
    auth_type: t.authType,
    registration_enabled: "disabled",
    edge_preference: "auto",
    nso_code: t.nsoCode,
    secure_trunking: t.secureTrunking ? "enabled" : "disabled",
    destination_uris: `${base}/destination-uris`,
    whitelisted_ips: `${base}/whitelisted-ips`,
    credentials: `${base}/credentials`,
    phone_numbers: `${base}/phone-numbers`,
    ...(activeCalls !== undefined ? { active_calls: activeCalls } : {}),
  };
}

export function renderPhoneNumber(n: PhoneNumber) {
  return { id: String(n.id), phone_number: n.number, trunk_sid: n.trunkSid, date_created: n.createdAt, date_updated: n.updatedAt, mode: n.mode };
}

export function renderWhitelistedIp(w: WhitelistedIp) {
  return { id: String(w.id), mask: w.mask, trunk_sid: w.trunkSid, ip: w.ip, friendly_name: w.friendlyName, date_created: w.createdAt, date_updated: w.updatedAt };
}

/** The read-only extension `health` of a destination URI (docs/exotel.md). */
export function renderHealth(h: DestinationHealth) {
  return { state: h.state, rtt_ms: h.rttMs, checked_at: h.checkedAt };
}

export function renderDestination(d: Destination, health?: DestinationHealth) {
  return {
    id: String(d.id),
    destination: formatDestination(d),
    trunk_sid: d.trunkSid,
    date_created: d.createdAt,
    date_updated: d.updatedAt,
    type: "public",
    priority: d.priority,
    weight: d.weight,
    // Read-only extension: the edges' OPTIONS probes (src/edge/health.ts); ignored on writes.
    ...(health ? { health: renderHealth(health) } : {}),
  };
}

export function renderSetting(s: TrunkSetting) {
  return { name: s.name, value: s.value, trunk_sid: s.trunkSid, date_created: s.createdAt, date_updated: s.updatedAt };
}

/** The reference's shape, for a trunk's one credential (what a PBX needs), plus its id. */
export function renderCredentialPair(c: Credential) {
  // The reference's pair, then its id (an extension) so the only credential can be rotated or removed.
  return { username: c.username, password: c.password, id: String(c.id) };
}

/** A credential as an item of a list, and as POST/PUT/DELETE return it. */
export function renderCredential(c: Credential) {
  return {
    id: String(c.id),
    username: c.username,
    password: c.password,
    friendly_name: c.friendlyName,
    trunk_sid: c.trunkSid,
    date_created: c.createdAt,
    date_updated: c.updatedAt,
  };
}

export function renderTrunkMap(exophone: string, n: PhoneNumber) {
  return { exophone, trunk_sid: n.trunkSid, phone_number_id: String(n.id), mode: n.mode };
}
