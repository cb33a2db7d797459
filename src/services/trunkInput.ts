import type { AuthenticationMode } from "../domain/types.js";

/**
 * What either dialect may ask to set on a trunk. `undefined` leaves a field as it is; `null`
 * clears it. Children given here (ACL, outbound host, caller id) replace what the trunk had.
 */
export interface TrunkPatch {
  name?: string;
  nsoCode?: string;
  domainName?: string;
  authType?: string;
  region?: string;
  authenticationMode?: AuthenticationMode;
  maxChannels?: number | null;
  inboundCountry?: string | null;
  outboundDialStringPrefix?: string | null;
  outboundNationalDialing?: boolean;
  outboundPlusPrefix?: boolean;
  routePrefixes?: string[];
  /** Replaces the ACL; entries already present keep their ids. */
  acl?: { ip: string; mask: number }[];
  /** The primary destination; null removes every destination. */
  outboundHost?: { host: string; port?: number } | null;
  /** The `trunk_external_alias` setting; null removes it. */
  callerId?: string | null;
}

export interface NewTrunk extends TrunkPatch {
  name: string;
  /** Exotel trunks get a digest credential named after the trunk sid. */
  withTrunkCredential?: boolean;
  /** Never from a request: the demo's sample trunks (demoSamples.ts) have the reference's sids and password. */
  fixed?: { sid: string; trunkPassword: string };
}
