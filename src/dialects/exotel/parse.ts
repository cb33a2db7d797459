import { ValidationError } from "../../domain/errors.js";

/**
 * Wire-level parsing of the Exotel dialect: ids, paging, "at least one of". Types and required
 * fields are checked by the route schemas; what values mean, by the domain.
 */

/** Sub-resource ids are digit strings on the wire ("41512"). */
export function parseId(raw: string, field = "id"): number {
  if (!/^\d{1,9}$/.test(raw)) throw ValidationError.of(field, `${field} must be a numeric id (digits only)`);
  return Number(raw);
}

export const PAGE_SIZE_DEFAULT = 50;
export const PAGE_SIZE_MAX = 1000;
const OFFSET_MAX = 100_000_000;

export interface Paging {
  offset: number;
  pageSize: number;
}

export function parsePaging(query: { offset?: string; page_size?: string }): Paging {
  const read = (name: "offset" | "page_size", fallback: number, min: number, max: number) => {
    const raw = query[name];
    if (raw === undefined || raw === "") return fallback;
    if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw ValidationError.of(name, `${name} must be an integer between ${min} and ${max}`);
    }
    return Number(raw);
  };
  return { offset: read("offset", 0, 0, OFFSET_MAX), pageSize: read("page_size", PAGE_SIZE_DEFAULT, 1, PAGE_SIZE_MAX) };
}

/** A partial update must name something to change. */
export function requireAnyOf(body: Record<string, unknown>, fields: string[]): void {
  if (fields.every((f) => body[f] === undefined)) {
    throw ValidationError.of(fields[0] ?? "body", `At least one of ${fields.join(", ")} is mandatory`, "missing");
  }
}
