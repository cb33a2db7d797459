import { isIP } from "node:net";
import { formatUdpAddress, parseUdpAddress } from "./address.js";
import type { RelayOptions } from "./process.js";

/**
 * The media relay's own settings (the rtpengine `trunkline up` and `trunkline media` run), from
 * TRUNKLINE_MEDIA_* variables. The edge's side — TRUNKLINE_MEDIA (rtpengine|off) and
 * TRUNKLINE_MEDIA_NG, the relays it uses — is read in src/edge/config.ts.
 */

/** rtpengine's customary ng port, on loopback: where `trunkline up`'s relay listens unless told otherwise. */
export const DEFAULT_NG_LISTEN = "127.0.0.1:2223";
export const DEFAULT_MEDIA_PORTS = "30000-40000";
export const DEFAULT_MEDIA_HEARTBEAT_SECONDS = 5;

export interface MediaRelayConfig extends Omit<RelayOptions, "onLine" | "wrapper" | "startTimeoutMs"> {
  /** Seconds between registry heartbeats (TRUNKLINE_MEDIA_HEARTBEAT_SECONDS). */
  heartbeatSeconds: number;
}

export interface MediaDefaults {
  /** Media address when TRUNKLINE_MEDIA_INTERFACE is unset (`trunkline up`: the edge's SIP address). */
  interfaceAddress?: string | undefined;
  /** Advertised address when TRUNKLINE_MEDIA_ADVERTISE is unset (`trunkline up`: the edge's advertised host, if an IP). */
  advertise?: string | undefined;
}

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);

function ip(raw: string | undefined, name: string): string | undefined {
  const value = (raw ?? "").trim();
  if (value === "") return undefined;
  if (isIP(value) === 0) throw new Error(`${name} must be an IP address, got '${raw}'`);
  // SDP would name the wildcard, which no peer can send to.
  if (WILDCARDS.has(value)) throw new Error(`${name} must be a specific IP address (peers are told to send media to it), got '${raw}'`);
  return value;
}

/** `low-high`, inclusive, within 1024-65535; at least 4 ports (each stream takes an RTP/RTCP pair). */
export function parsePortRange(raw: string, name = "TRUNKLINE_MEDIA_PORTS"): { portMin: number; portMax: number } {
  const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(raw);
  const portMin = Number(m?.[1]);
  const portMax = Number(m?.[2]);
  if (!m || portMin < 1024 || portMax > 65535 || portMax - portMin < 3) {
    throw new Error(`${name} must be LOW-HIGH, two ports within 1024-65535 at least 4 apart (e.g. ${DEFAULT_MEDIA_PORTS}), got '${raw}'`);
  }
  return { portMin, portMax };
}

function level(raw: string | undefined): number {
  const value = (raw ?? "").trim();
  if (value === "") return 5;
  if (!/^[0-7]$/.test(value)) throw new Error(`TRUNKLINE_MEDIA_LOG_LEVEL must be a syslog level 0-7 (5 notice, 6 info: a line per call, 7 debug), got '${raw}'`);
  return Number(value);
}

function seconds(raw: string | undefined): number {
  const value = (raw ?? "").trim();
  if (value === "") return DEFAULT_MEDIA_HEARTBEAT_SECONDS;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`TRUNKLINE_MEDIA_HEARTBEAT_SECONDS must be a positive whole number, got '${raw}'`);
  return Number(value);
}

/**
 * TRUNKLINE_MEDIA_NG_LISTEN (ng control address, UDP, default 127.0.0.1:2223),
 * TRUNKLINE_MEDIA_INTERFACE (local media address, default `defaults.interfaceAddress` or
 * 127.0.0.1), TRUNKLINE_MEDIA_ADVERTISE (public IP written into SDP behind NAT),
 * TRUNKLINE_MEDIA_PORTS (RTP/RTCP range, default 30000-40000), TRUNKLINE_MEDIA_LOG_LEVEL (0-7,
 * default 5) and TRUNKLINE_MEDIA_HEARTBEAT_SECONDS (default 5). A bad value names its variable.
 */
export function mediaRelayConfig(env: NodeJS.ProcessEnv = process.env, defaults: MediaDefaults = {}): MediaRelayConfig {
  const ngRaw = (env.TRUNKLINE_MEDIA_NG_LISTEN ?? "").trim() || DEFAULT_NG_LISTEN;
  const ng = parseUdpAddress(ngRaw, "TRUNKLINE_MEDIA_NG_LISTEN");
  if (WILDCARDS.has(ng.host)) throw new Error(`TRUNKLINE_MEDIA_NG_LISTEN must be a specific IP address (it is registered as the address edges and API processes reach), got '${ngRaw}'`);
  const interfaceAddress = ip(env.TRUNKLINE_MEDIA_INTERFACE, "TRUNKLINE_MEDIA_INTERFACE") ?? defaults.interfaceAddress ?? "127.0.0.1";
  const advertise = ip(env.TRUNKLINE_MEDIA_ADVERTISE, "TRUNKLINE_MEDIA_ADVERTISE") ?? defaults.advertise;
  return {
    ngAddress: formatUdpAddress(ng),
    interfaceAddress,
    advertise: advertise && advertise !== interfaceAddress ? advertise : undefined,
    ...parsePortRange((env.TRUNKLINE_MEDIA_PORTS ?? "").trim() || DEFAULT_MEDIA_PORTS),
    logLevel: level(env.TRUNKLINE_MEDIA_LOG_LEVEL),
    heartbeatSeconds: seconds(env.TRUNKLINE_MEDIA_HEARTBEAT_SECONDS),
  };
}

/** The address peers send media to: the advertised one, else the interface. */
export function mediaAddress(config: Pick<MediaRelayConfig, "interfaceAddress" | "advertise">): string {
  return config.advertise ?? config.interfaceAddress;
}
