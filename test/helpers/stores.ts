import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export const ENGINES = ["sqlite", "postgres"] as const;
export type EngineName = (typeof ENGINES)[number];

/** Where a test's store lives: pass `databaseUrl` as DATABASE_URL and `pgSchema` to openRuntime. */
export interface StoreFixture {
  engine: EngineName;
  databaseUrl: string;
  pgSchema?: string;
  dispose(): Promise<void>;
}

/** TRUNKLINE_TEST_PG_URL, else the local server as `postgres`, else as `root` (trust auth). */
const PG_CANDIDATES = process.env.TRUNKLINE_TEST_PG_URL
  ? [process.env.TRUNKLINE_TEST_PG_URL]
  : ["postgres://postgres@127.0.0.1:5432/test", "postgres://root@127.0.0.1:5432/test"];

const HOW_TO_START =
  "Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start " +
  "(and once: createdb -h 127.0.0.1 -U postgres test), or point TRUNKLINE_TEST_PG_URL at a server.";

let reachable: Promise<string> | undefined;

/** The first PostgreSQL URL that accepts a connection; fails (never skips) when there is none. */
function pgUrl(): Promise<string> {
  reachable ??= (async () => {
    const failures: string[] = [];
    for (const url of PG_CANDIDATES) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
      try {
        await client.connect();
        await client.end();
        return url;
      } catch (error) {
        failures.push(`${url}: ${(error as Error).message}`);
      }
    }
    throw new Error(`PostgreSQL is not reachable (${failures.join("; ")}). ${HOW_TO_START}`);
  })();
  return reachable;
}

async function onPg<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A fresh SQLite file in a temp dir, or a fresh PostgreSQL schema `tl_<random>`, dropped after. */
export async function openStoreFixture(engine: EngineName): Promise<StoreFixture> {
  if (engine === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "tl-exotel-"));
    return { engine, databaseUrl: join(dir, "trunkline.db"), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const url = await pgUrl();
  const schema = `tl_${randomBytes(6).toString("hex")}`;
  await onPg(url, (c) => c.query(`CREATE SCHEMA ${schema}`));
  return { engine, databaseUrl: url, pgSchema: schema, dispose: () => onPg(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).then(() => undefined) };
}
