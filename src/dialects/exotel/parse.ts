import { ValidationError } from "../../domain/errors.js";

/** Request-body reading for the Exotel dialect: types are checked here, meaning in the domain. */
export type Body = Record<string, unknown>;

export function bodyObject(body: unknown): Body {
  if (body === undefined || body === null) throw ValidationError.of("body", "Request body is required: send a JSON object", "missing");
  if (typeof body !== "object" || Array.isArray(body)) throw ValidationError.of("body", "Request body must be a JSON object");
  return body as Body;
}

export function requiredString(body: Body, field: string): string {
  const v = body[field];
  if (v === undefined || v === null) throw ValidationError.of(field, `${field} is mandatory`, "missing");
  if (typeof v !== "string") throw ValidationError.of(field, `${field} must be a string`, "type");
  if (v.trim() === "") throw ValidationError.of(field, `${field} must not be empty`, "missing");
  return v;
}

export function optionalString(body: Body, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw ValidationError.of(field, `${field} must be a string`, "type");
  return v;
}

/** Integers only: 32 yes; "32", 32.5, true no (the reference types mask as Integer). */
export function requiredInteger(body: Body, field: string, rangeMessage: string): number {
  const v = body[field];
  if (v === undefined || v === null) throw ValidationError.of(field, `${field} is mandatory`, "missing");
  if (typeof v !== "number" || !Number.isInteger(v)) throw ValidationError.of(field, rangeMessage, "type");
  return v;
}

export function optionalInteger(body: Body, field: string, rangeMessage: string): number | undefined {
  return body[field] === undefined || body[field] === null ? undefined : requiredInteger(body, field, rangeMessage);
}

export function requiredArray(body: Body, field: string, maxItems: number): unknown[] {
  const v = body[field];
  if (v === undefined || v === null) throw ValidationError.of(field, `${field} is mandatory`, "missing");
  if (!Array.isArray(v)) throw ValidationError.of(field, `${field} must be an array`, "type");
  if (v.length === 0) throw ValidationError.of(field, `${field} must contain at least one item`);
  if (v.length > maxItems) throw ValidationError.of(field, `${field} may contain at most ${maxItems} items`);
  return v;
}

/** Sub-resource ids are digit strings on the wire ("41512"). */
export function parseId(raw: unknown, field = "id"): number {
  if (typeof raw !== "string" || !/^\d{1,9}$/.test(raw)) throw ValidationError.of(field, `${field} must be a numeric id`);
  return Number(raw);
}

export const PAGE_SIZE_DEFAULT = 50;
export const PAGE_SIZE_MAX = 1000;

export function parsePaging(query: Record<string, unknown>): { offset: number; pageSize: number } {
  const read = (name: string, fallback: number, min: number, max: number) => {
    const raw = query[name];
    if (raw === undefined || raw === "") return fallback;
    if (typeof raw !== "string" || !/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw ValidationError.of(name, `${name} must be an integer between ${min} and ${max}`);
    }
    return Number(raw);
  };
  return { offset: read("offset", 0, 0, 100_000_000), pageSize: read("page_size", PAGE_SIZE_DEFAULT, 1, PAGE_SIZE_MAX) };
}
