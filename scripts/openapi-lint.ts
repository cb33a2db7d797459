/**
 * `npm run lint:openapi`: lints the OpenAPI document with Redocly's engine (@redocly/openapi-core,
 * what `redocly lint` runs) and its `recommended` rules. Prints every problem; exits 1 on errors.
 */
import { createConfig, formatProblems, getTotals, lintFromString, type NormalizedProblem } from "@redocly/openapi-core";
import { pathToFileURL } from "node:url";
import { buildOpenApiDocument } from "./openapi.js";

export async function lintOpenApi(document: object): Promise<NormalizedProblem[]> {
  const config = await createConfig({ extends: ["recommended"] });
  return lintFromString({ source: JSON.stringify(document), absoluteRef: "openapi.json", config });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const problems = await lintOpenApi(await buildOpenApiDocument());
  const totals = getTotals(problems);
  formatProblems(problems, { totals, format: "stylish", maxProblems: 200 });
  console.log(`openapi lint: ${totals.errors} errors, ${totals.warnings} warnings`);
  process.exitCode = totals.errors > 0 ? 1 : 0;
}
