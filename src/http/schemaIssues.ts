import type { FastifySchemaValidationError } from "fastify/types/schema.js";
import type { ValidationIssue } from "../domain/errors.js";

/**
 * Turns the route-schema validator's errors into domain validation issues, so each dialect
 * renders them like any other validation failure. `field` is the dotted path inside the body
 * ("data.attributes.name", "destinations.0.destination").
 */
export function schemaIssues(errors: FastifySchemaValidationError[], context: string | undefined): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const base = e.instancePath.replace(/^\//, "").replace(/\//g, ".");
    const params = e.params as Record<string, unknown>;
    let issue: ValidationIssue;
    if (e.keyword === "required") {
      const field = [base, String(params.missingProperty)].filter(Boolean).join(".");
      issue = { field, kind: "missing", message: `${field} is mandatory` };
    } else if (e.keyword === "type" && base === "") {
      issue = { field: context === "body" ? "body" : (context ?? "body"), kind: "missing", message: context === "body" ? "Request body must be a JSON object" : `${context} is invalid` };
    } else if (e.keyword === "type") {
      const t = String(params.type).replace(/,/g, " or ");
      issue = { field: base, kind: "type", message: `${base} must be ${/^[aeiou]/.test(t) ? "an" : "a"} ${t}` };
    } else {
      issue = { field: base || (context ?? "body"), kind: "invalid", message: `${base || context} ${e.message ?? "is invalid"}` };
    }
    if (!seen.has(issue.field)) {
      seen.add(issue.field);
      issues.push(issue);
    }
  }
  return issues;
}
