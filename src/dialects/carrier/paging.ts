import { ValidationError, type ValidationIssue } from "../../domain/errors.js";

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;
const PAGE_KEYS = new Set(["page[size]", "page[after]", "page[before]"]);

export interface Cursor {
  size: number;
  after?: string;
  before?: string;
}

/** `page[size]`, `page[after]`, `page[before]`; anything else under `page[...]` is a mistake (400). */
export function parseCursor(query: Record<string, unknown>): Cursor {
  const issues: ValidationIssue[] = [];
  const bad = (field: string, message: string) => issues.push({ field, kind: "invalid", message });
  for (const key of Object.keys(query)) if (key.startsWith("page[") && !PAGE_KEYS.has(key)) bad(key, `${key} is not a supported parameter (use page[size], page[after] or page[before])`);
  const text = (key: string): string | undefined => {
    const v = query[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v === "") {
      bad(key, `${key} must be given once, with a value`);
      return undefined;
    }
    return v;
  };
  const sizeText = text("page[size]");
  const after = text("page[after]");
  const before = text("page[before]");
  let size = DEFAULT_PAGE_SIZE;
  if (sizeText !== undefined) {
    size = /^\d{1,3}$/.test(sizeText) ? Number(sizeText) : NaN;
    if (!(size >= 1 && size <= MAX_PAGE_SIZE)) bad("page[size]", `page[size] must be an integer between 1 and ${MAX_PAGE_SIZE}`);
  }
  if (after !== undefined && before !== undefined) bad("page[before]", "page[before] cannot be combined with page[after]");
  if (issues.length) throw new ValidationError(issues);
  return { size, ...(after !== undefined ? { after } : {}), ...(before !== undefined ? { before } : {}) };
}

/** Full URLs of the neighbouring pages (newest first: `next` is older, `prev` newer). */
export function pageLinks(collectionUrl: string, size: number, ids: string[], hasNewer: boolean, hasOlder: boolean) {
  const first = ids[0];
  const last = ids[ids.length - 1];
  return {
    prev: hasNewer && first !== undefined ? `${collectionUrl}?page[size]=${size}&page[before]=${first}` : null,
    next: hasOlder && last !== undefined ? `${collectionUrl}?page[size]=${size}&page[after]=${last}` : null,
  };
}
