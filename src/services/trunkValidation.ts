import type { ValidationIssue } from "../domain/errors.js";
import type { RegionSet } from "../domain/regions.js";
import { AUTHENTICATION_MODES } from "../domain/types.js";
import { isCountryCode, isDigits, isHost, isPort, isPositiveInteger, MAX_INT32, MAX_TEXT } from "../domain/rules.js";
import type { TrunkPatch } from "./trunkInput.js";
import { LIMITS } from "./context.js";

/** Domain checks on a trunk create/patch; returns every problem found, not just the first. */
export function validateTrunkPatch(patch: TrunkPatch, regions: RegionSet): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const bad = (field: string, message: string) => issues.push({ field, kind: "invalid", message });

  if (patch.name !== undefined) {
    if (patch.name.trim() === "") issues.push({ field: "name", kind: "blank", message: "name must be filled" });
    else if (patch.name.length > MAX_TEXT) bad("name", `name must be at most ${MAX_TEXT} characters`);
  }
  if (patch.authenticationMode !== undefined && !(AUTHENTICATION_MODES as readonly string[]).includes(patch.authenticationMode)) {
    bad("authentication_mode", "authentication_mode is invalid");
  }
  if (patch.region !== undefined && !regions.has(patch.region)) bad("region", "region is invalid");
  if (patch.maxChannels !== undefined && patch.maxChannels !== null && !isPositiveInteger(patch.maxChannels)) {
    bad("max_channels", patch.maxChannels > MAX_INT32 ? `max_channels must be at most ${MAX_INT32}` : "max_channels must be greater than 0");
  }
  if (patch.inboundCountry !== undefined && patch.inboundCountry !== null && !isCountryCode(patch.inboundCountry)) {
    bad("inbound_country", "inbound_country is invalid");
  }
  if (patch.outboundDialStringPrefix != null && (patch.outboundDialStringPrefix === "" || patch.outboundDialStringPrefix.length > 32)) {
    bad("outbound_dial_string_prefix", "outbound_dial_string_prefix must be 1 to 32 characters");
  }
  if (patch.routePrefixes !== undefined) {
    if (patch.routePrefixes.length > LIMITS.routePrefixesPerTrunk) bad("outbound_route_prefixes", `outbound_route_prefixes may hold at most ${LIMITS.routePrefixesPerTrunk} prefixes`);
    const wrong = patch.routePrefixes.find((p) => !isDigits(p));
    if (wrong === "") bad("outbound_route_prefixes", "outbound_route_prefixes contains an empty prefix");
    else if (wrong !== undefined) bad("outbound_route_prefixes", `outbound_route_prefixes contains an invalid prefix: ${wrong}`);
  }
  if (patch.acl !== undefined && patch.acl.length > LIMITS.aclEntriesPerTrunk) {
    bad("inbound_source_ips", `inbound_source_ips may hold at most ${LIMITS.aclEntriesPerTrunk} addresses`);
  }
  if (patch.outboundHost) {
    if (!isHost(patch.outboundHost.host)) bad("outbound_host", "outbound_host is invalid");
    else if (patch.outboundHost.port !== undefined && !isPort(patch.outboundHost.port)) bad("outbound_host", "outbound_host port is invalid");
  }
  if (patch.callerId != null && (patch.callerId.trim() === "" || patch.callerId.length > 64)) {
    bad("default_sender", "default_sender must be 1 to 64 characters");
  }
  return issues;
}
