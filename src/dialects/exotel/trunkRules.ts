import { ValidationError } from "../../domain/errors.js";

/** Exotel's wire rules for trunk fields (the carrier API names trunks more freely). */
export const TRUNK_NAME_MESSAGE = "trunk_name must be alphanumeric with underscores only, max 16 characters";

export function checkTrunkName(name: string): void {
  if (!/^[A-Za-z0-9_]{1,16}$/.test(name)) throw ValidationError.of("trunk_name", TRUNK_NAME_MESSAGE);
}

export function checkNsoCode(code: string): void {
  if (code !== "ANY-ANY") throw ValidationError.of("nso_code", "Nso code is invalid");
}

/** `{account_sid}.pstn.exotel.com`-shaped: one label (an account sid may hold '_') + the suffix. */
export function checkDomainName(domain: string, suffix: string): void {
  const label = domain.slice(0, domain.length - suffix.length);
  if (!domain.endsWith(suffix) || !/^[A-Za-z0-9_-]{1,64}$/.test(label)) {
    throw ValidationError.of("domain_name", `Domain name should end with ${suffix}`);
  }
}

export const AUTH_TYPES = ["IP-WHITELIST"] as const;
export function checkAuthType(value: string): void {
  if (!(AUTH_TYPES as readonly string[]).includes(value)) throw ValidationError.of("auth_type", `auth_type must be one of: ${AUTH_TYPES.join(", ")}`);
}
