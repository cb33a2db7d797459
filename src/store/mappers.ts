import type { AuthenticationMode, Destination, NumberMode, PhoneNumber, Transport, Trunk, TrunkSetting, WhitelistedIp } from "../domain/types.js";
import type { DestinationRow, PhoneNumberRow, TrunkRow, TrunkSettingRow, WhitelistedIpRow } from "./schema.js";

/** Row ⇄ entity mapping lives here only, so neither side leaks into the other. */
export function mapTrunk(row: TrunkRow & { secure_trunking: number | boolean | null }): Trunk {
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
