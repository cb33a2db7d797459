import ipaddr from "ipaddr.js";
import { getCountries, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";
import type { NumberMode, Transport } from "./types.js";

/** Domain rules shared by both dialects. Each returns true when the value is acceptable. */

/** Dotted-quad IPv4 only: "203.0.113.50" yes; "256.1.2.3", "1.2.3", "01.2.3.4", "::1" no. */
export function isIPv4(value: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(value);
}

export function isMask(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 32;
}

/** Splits "a.b.c.d" or "a.b.c.d/n"; undefined when either part is invalid. */
export function parseIPv4Cidr(value: string): { ip: string; mask: number } | undefined {
  const [ip, maskText, extra] = value.split("/");
  if (extra !== undefined || ip === undefined || !isIPv4(ip)) return undefined;
  if (maskText === undefined) return { ip, mask: 32 };
  if (!/^\d{1,2}$/.test(maskText)) return undefined;
  const mask = Number(maskText);
  return isMask(mask) ? { ip, mask } : undefined;
}

/** Renders an ACL entry the way `inbound_source_ips` shows it: bare for /32, CIDR otherwise. */
export function formatIPv4Cidr(ip: string, mask: number): string {
  return mask === 32 ? ip : `${ip}/${mask}`;
}

/**
 * E.164 with a leading "+": up to 15 digits, no leading zero in the country code, and a length
 * that libphonenumber considers possible for that country.
 */
export function isE164(value: string): boolean {
  if (!/^\+[1-9]\d{1,14}$/.test(value)) return false;
  const parsed = parsePhoneNumberFromString(value);
  return parsed !== undefined && parsed.isPossible();
}

export const NUMBER_MODES: readonly NumberMode[] = ["pstn", "flow"];
export function isNumberMode(value: string): value is NumberMode {
  return (NUMBER_MODES as readonly string[]).includes(value);
}

const countries = new Set<string>(getCountries());
/** ISO 3166-1 alpha-2, upper case, known to libphonenumber (so national dialing can use it). */
export function isCountryCode(value: string): value is CountryCode {
  return /^[A-Z]{2}$/.test(value) && countries.has(value);
}

/** RFC 1123 host name with at least one dot (a bare label is not routable as a SIP host). */
export function isFqdn(value: string): boolean {
  if (value.length > 253 || !value.includes(".")) return false;
  const labels = value.split(".");
  if (/^\d+$/.test(labels[labels.length - 1] ?? "")) return false;
  return labels.every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

export function isHost(value: string): boolean {
  return isIPv4(value) || isFqdn(value);
}

export function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

export function isPriority(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 65535;
}

export function isWeight(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

export const TRANSPORTS: readonly Transport[] = ["tcp", "tls", "udp"];

export function isDigits(value: string): boolean {
  return /^\d{1,15}$/.test(value);
}

/** The largest value an `integer` column holds on both engines (PostgreSQL's int4). */
export const MAX_INT32 = 2_147_483_647;

export function isPositiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0 && value <= MAX_INT32;
}

/**
 * Settings a trunk may carry, with the rule for each value. A Map, not an object literal: names
 * come from requests, and "constructor" or "__proto__" must be unknown, not Object.prototype's.
 */
export const SETTING_RULES: ReadonlyMap<string, { check: (v: string) => boolean; message: string }> = new Map([
  ["trunk_external_alias", { check: isE164, message: "trunk_external_alias must be a phone number in E.164 format (e.g., +919876543210)" }],
]);

/** Longest text any free-form field may hold; keeps rows and responses bounded. */
export const MAX_TEXT = 255;
