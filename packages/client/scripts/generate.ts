/**
 * Regenerates the client's types from trunkline's OpenAPI document (the one the server serves):
 * writes packages/client/openapi.json and packages/client/src/schema.ts (openapi-typescript).
 *
 *   npm run generate -w @trunkline/client     (or: npx tsx packages/client/scripts/generate.ts)
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";
import { buildOpenApiDocument } from "../../../scripts/openapi.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The document and the TypeScript module of its types, as the generator writes them. */
export async function generateClientSources(): Promise<{ document: string; schema: string }> {
  const doc = await buildOpenApiDocument();
  const ast = await openapiTS(doc as never, { alphabetize: false });
  return { document: `${JSON.stringify(doc, null, 2)}\n`, schema: `${COMMENT_HEADER}${astToString(ast)}` };
}

export const CLIENT_FILES = { document: join(root, "openapi.json"), schema: join(root, "src", "schema.ts") };

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { document, schema } = await generateClientSources();
  writeFileSync(CLIENT_FILES.document, document);
  writeFileSync(CLIENT_FILES.schema, schema);
  console.log(`wrote ${CLIENT_FILES.document} and ${CLIENT_FILES.schema}`);
}
