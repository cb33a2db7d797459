/**
 * Prints trunkline's OpenAPI document (JSON), or writes it to the path given: the same document
 * GET /openapi.json serves, built from the route schemas by a server over a throwaway SQLite
 * store (nothing listens). Used by `npm run lint:openapi` and the client's generator.
 *
 *   tsx scripts/openapi.ts [out.json]
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { loadConfig } from "../src/config.js";
import { buildServer } from "../src/http/server.js";
import { openRuntime } from "../src/runtime.js";

export async function buildOpenApiDocument(env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "trunkline-openapi-"));
  try {
    const config = loadConfig({ DATABASE_URL: join(dir, "openapi.db"), TRUNKLINE_SECRET_KEY: randomBytes(32).toString("hex"), ...env });
    const runtime = await openRuntime(config);
    try {
      const app = await buildServer(runtime);
      await app.ready();
      const document = app.swagger() as unknown as Record<string, unknown>;
      await app.close();
      return document;
    } finally {
      await runtime.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const text = `${JSON.stringify(await buildOpenApiDocument(), null, 2)}\n`;
  const out = process.argv[2];
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}
