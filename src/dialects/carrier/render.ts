import type { Destination, TrunkDetail } from "../../domain/types.js";
import { UNKNOWN_HEALTH, type DestinationHealth } from "../../edge/health.js";
import { formatIPv4Cidr } from "../../domain/rules.js";
import { RESOURCE_TYPE } from "./parse.js";
import { SipTrunkAttributes } from "./schemas.js";

const DEFAULT_SIP_PORT = 5060;

/** The first (preferred) destination as `outbound_host`: "host", or "host:port" off 5060. */
function outboundHost(t: TrunkDetail): string | null {
  const [primary] = t.destinations;
  if (!primary) return null;
  return primary.port === DEFAULT_SIP_PORT ? primary.host : `${primary.host}:${primary.port}`;
}

/**
 * A trunk as a `sip_trunk` resource: the reference's attributes in its order, the issued
 * credential only in `client_credentials` mode, then the timestamps, then the read-only
 * extensions `active_calls` and `outbound_host_health`.
 */
export function renderSipTrunk(t: TrunkDetail, self: string, fields?: ReadonlySet<string>, activeCalls = 0, health: (d: Destination) => DestinationHealth = () => UNKNOWN_HEALTH) {
  const primary = t.destinations[0];
  const credential = t.authenticationMode === "client_credentials" ? t.credentials[0] : undefined;
  const attributes = {
    name: t.name,
    authentication_mode: t.authenticationMode,
    region: t.region,
    max_channels: t.maxChannels,
    default_sender: t.callerId,
    inbound_country: t.inboundCountry,
    inbound_source_ips: t.acl.map((e) => formatIPv4Cidr(e.ip, e.mask)),
    outbound_host: outboundHost(t),
    outbound_dial_string_prefix: t.outboundDialStringPrefix,
    outbound_national_dialing: t.outboundNationalDialing,
    outbound_plus_prefix: t.outboundPlusPrefix,
    outbound_route_prefixes: t.routePrefixes,
    ...(credential ? { username: credential.username, password: credential.password } : {}),
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    // Read-only extension: calls up now, kept in memory by src/edge/live.ts (ignored on writes).
    active_calls: activeCalls,
    // Read-only extension: the edges' OPTIONS probes of the outbound_host destination (src/edge/health.ts).
    outbound_host_health: primary ? renderHealth(health(primary)) : null,
  };
  return { id: t.uuid, type: RESOURCE_TYPE, attributes: fields ? sparse(attributes, fields) : attributes, links: { self } };
}

/** Every attribute a sip_trunk can carry: the writable ones, the issued credential, the timestamps. */
export const SIP_TRUNK_FIELDS: readonly string[] = [...Object.keys(SipTrunkAttributes.properties), "username", "password", "created_at", "updated_at", "active_calls", "outbound_host_health"];

/** A sparse fieldset (`fields[sip_trunk]`): only the attributes asked for, in the usual order. */
function sparse(attributes: Record<string, unknown>, fields: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).filter(([k]) => fields.has(k)));
}

/** Health of a destination as an attribute value (docs/carrier.md). */
function renderHealth(h: DestinationHealth) {
  return { state: h.state, rtt_ms: h.rttMs, checked_at: h.checkedAt };
}
