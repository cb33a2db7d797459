/** Domain entities as the services return them: no wire names, no database rows. */
export interface Account {
  sid: string;
  /** Display name (the sid when none was given). Optional only so older literals still type. */
  name?: string;
  /** May act on every account and read the platform (docs/operators.md); absent: no. */
  operator?: boolean;
  apiKey: string;
  createdAt: string;
  updatedAt: string;
}

export const AUTHENTICATION_MODES = ["ip_address", "client_credentials"] as const;
export type AuthenticationMode = (typeof AUTHENTICATION_MODES)[number];
export type NumberMode = "pstn" | "flow";
export type Transport = "tcp" | "tls" | "udp";

export interface Trunk {
  id: number;
  sid: string;
  uuid: string;
  accountSid: string;
  name: string;
  nsoCode: string;
  domainName: string;
  authType: string;
  status: string;
  region: string;
  authenticationMode: AuthenticationMode;
  maxChannels: number | null;
  inboundCountry: string | null;
  outboundDialStringPrefix: string | null;
  outboundNationalDialing: boolean;
  outboundPlusPrefix: boolean;
  /** True when any destination uses TLS (Exotel `secure_trunking`). */
  secureTrunking: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A trunk with everything the carrier view folds into attributes. */
export interface TrunkDetail extends Trunk {
  routePrefixes: string[];
  acl: WhitelistedIp[];
  destinations: Destination[];
  /** `trunk_external_alias` setting (carrier `default_sender`). */
  callerId: string | null;
  credentials: Credential[];
}

export interface PhoneNumber {
  id: number;
  trunkSid: string;
  number: string;
  mode: NumberMode | null;
  createdAt: string;
  updatedAt: string;
}

export interface WhitelistedIp {
  id: number;
  trunkSid: string;
  ip: string;
  mask: number;
  friendlyName: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Destination {
  id: number;
  trunkSid: string;
  host: string;
  port: number;
  transport: Transport;
  priority: number;
  weight: number;
  createdAt: string;
  updatedAt: string;
}

export interface Credential {
  id: number;
  trunkSid: string;
  username: string;
  /** Decrypted on read: only services that must show it ask for it. */
  password: string;
  friendlyName: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface TrunkSetting {
  trunkSid: string;
  name: string;
  value: string;
  createdAt: string;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  /** True when rows exist past this page. */
  hasMore: boolean;
}
