import { ValidationError, type ValidationIssue } from "../../domain/errors.js";
import { RESOURCE_TYPE } from "./parse.js";
import { SIP_TRUNK_FIELDS } from "./render.js";

/** The sparse fieldset asked for with `fields[sip_trunk]`, if any. */
export interface QueryOptions {
  fields?: ReadonlySet<string>;
}

const FIELDS_KEY = `fields[${RESOURCE_TYPE}]`;
const KNOWN_FIELDS: ReadonlySet<string> = new Set(SIP_TRUNK_FIELDS);

/** Query parameters are reported with `source.parameter` (400), attributes with a pointer (422). */
export function isQueryParameter(field: string): boolean {
  return field.includes("[") || field === "include" || field === "sort" || field === "filter";
}

/**
 * JSON:API query parameters besides paging. Sparse fieldsets are honoured. `include`, `sort` and
 * `filter` are refused with 400, as JSON:API asks of a server that does not support them: a client
 * that believes a list was filtered or sorted must not get the whole list back silently.
 */
export function readQueryOptions(query: Record<string, unknown>): QueryOptions {
  const issues: ValidationIssue[] = [];
  const bad = (field: string, message: string) => issues.push({ field, kind: "invalid", message });
  const options: QueryOptions = {};
  for (const [key, value] of Object.entries(query)) {
    if (key === "include") bad(key, "include is not supported: a sip_trunk has no relationships");
    else if (key === "sort") bad(key, "sort is not supported: trunks are listed newest first");
    else if (key === "filter" || key.startsWith("filter[")) bad(key, `${key} is not supported here (the sip_trunks list takes filter[name] only)`);
    else if (key === FIELDS_KEY) {
      if (typeof value !== "string") {
        bad(key, `${key} must be given once`);
        continue;
      }
      const names = value === "" ? [] : value.split(",");
      const unknown = names.filter((n) => !KNOWN_FIELDS.has(n));
      if (unknown.length) bad(key, `${key} names unknown fields: ${unknown.join(", ")}`);
      else options.fields = new Set(names);
    }
  }
  if (issues.length) throw new ValidationError(issues);
  return options;
}
