import type { Trunk } from "../../domain/types.js";

/** Canonical (hyphenated) sub-resource paths of a trunk. */
export function trunkPath(accountSid: string, trunkSid: string): string {
  return `/v2/accounts/${accountSid}/trunks/${trunkSid}`;
}

/** A trunk as the reference prints it, field for field and in its order. */
export function renderTrunk(t: Trunk) {
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
  };
}
