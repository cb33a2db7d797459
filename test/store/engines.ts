import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export const PG_URL = process.env.TRUNKLINE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface EngineFixture {
  name: "sqlite" | "postgres";
  databaseUrl: string;
  pgSchema?: string;
  dispose(): Promise<void>;
}

/** A fresh SQLite file, or a fresh PostgreSQL schema, that no other run can see. */
export async function engineFixture(name: "sqlite" | "postgres"): Promise<EngineFixture> {
  if (name === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "tl-store-"));
    return { name, databaseUrl: join(dir, "trunkline.db"), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `tl_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: PG_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${PG_URL} (${(error as Error).message}). Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`);
  }
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  return {
    name,
    databaseUrl: PG_URL,
    pgSchema: schema,
    async dispose() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

export const ENGINES = ["sqlite", "postgres"] as const;
