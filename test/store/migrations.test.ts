import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { sql, type Kysely } from "kysely";
import { VIEWS } from "../../src/edge/projection.js";
import { migrateToLatest, openStore } from "../../src/store/db.js";
import { ENGINES, openStoreFixture } from "../helpers/stores.js";

type Outcome = { applied?: string[]; error?: string };
const CHILD = join(import.meta.dirname, "migrateChild.ts");

/** Migrates one fresh SQLite file from `n` processes, released together once each has opened it. */
async function migrateAtOnce(file: string, n: number): Promise<Outcome[]> {
  const children = Array.from({ length: n }, () => spawn(process.execPath, ["--import", "tsx", CHILD, file], { stdio: ["pipe", "pipe", "inherit"] }));
  const lines = children.map((c) => {
    let out = "";
    const waiters: Array<() => void> = [];
    c.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      for (const w of waiters.splice(0)) w();
    });
    const line = (i: number) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const got = out.split("\n")[i];
          if (got !== undefined && out.split("\n").length > i + 1) resolve(got);
          else if (c.exitCode !== null) reject(new Error(`child exited: ${out}`));
          else waiters.push(check);
        };
        c.once("exit", check);
        check();
      });
    return line;
  });
  await Promise.all(lines.map((line) => line(0)));
  for (const c of children) c.stdin.write("go\n");
  return Promise.all(lines.map(async (line) => JSON.parse(await line(1)) as Outcome));
}

describe("migrations on SQLite", () => {
  it("several processes migrating a fresh store at once: each migration applied once, every one succeeds", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tl-migrate-race-"));
    try {
      for (let round = 0; round < 3; round++) {
        const outcomes = await migrateAtOnce(join(dir, `db${round}.sqlite`), 4);
        assert.deepEqual(outcomes.filter((o) => o.error !== undefined), [], "no migration failed");
        const appliers = outcomes.filter((o) => (o.applied ?? []).length > 0);
        assert.equal(appliers.length, 1, JSON.stringify(outcomes));
        assert.ok(appliers[0]!.applied!.includes("001_initial"));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the edge projection: views recreated from src/edge/projection.ts on every start", () => {
  for (const engine of ENGINES) {
    it(`replaces the views of migrations 002/003, restores a changed view, and survives concurrent starts [${engine}]`, async () => {
      const fx = await openStoreFixture(engine);
      const open = () => openStore({ databaseUrl: fx.databaseUrl, pgSchema: fx.pgSchema, poolSize: 2 });
      const store = open();
      try {
        // Concurrent starts on a fresh store must each succeed. (SQLite's driver is synchronous: a
        // second connection in this process would block on the first; the multi-process test above
        // covers SQLite, the projection step included.)
        const others = engine === "postgres" ? [open(), open(), open()] : [];
        try {
          await Promise.all([store, ...others].map((s) => migrateToLatest(s)));
        } finally {
          await Promise.all(others.map((s) => s.close()));
        }
        const db = store.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
        const views = async () =>
          engine === "postgres"
            ? (await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.views WHERE table_schema = ${fx.pgSchema}`.execute(db)).rows.map((r) => r.name)
            : (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'view'`.execute(db)).rows.map((r) => r.name);
        assert.deepEqual((await views()).sort(), VIEWS.map((v) => v.name).sort(), "edge_trunks (002) is folded into edge_trunk_keys");
        const versions = await db.selectFrom("version").selectAll().orderBy("table_name").execute();
        assert.deepEqual(versions, VIEWS.map((v) => ({ table_name: v.name, table_version: v.version })).sort((a, b) => (a.table_name < b.table_name ? -1 : 1)));

        // Provision through the store: one IP and one host-name destination, a number, a country.
        await db.insertInto("accounts").values({ sid: "acc", api_key: "k", token_hash: "h", created_at: "t", updated_at: "t" }).execute();
        const trunk = { sid: "tr1", uuid: "u1", account_sid: "acc", name: "n", nso_code: "x", domain_name: "d", auth_type: "a", status: "s", region: "ap-south-1", authentication_mode: "m", max_channels: 3, inbound_country: "KH", created_at: "t", updated_at: "t" };
        const { id } = (await db.insertInto("trunks").values(trunk).returning("id").executeTakeFirstOrThrow()) as { id: number };
        const dest = (host: string, priority: number) => ({ trunk_id: id, host, port: 5060, transport: "tcp", priority, weight: 1, created_at: "t", updated_at: "t" });
        await db.insertInto("destinations").values([dest("127.0.0.9", 0), dest("pbx.example.com", 1), dest("::1", 2)]).execute();
        await db.insertInto("phone_numbers").values({ trunk_id: id, number: "+919800000001", mode: null, created_at: "t", updated_at: "t" }).execute();
        const dispatcher = await db.selectFrom("edge_dispatcher").select(["destination", "flags", "setid", "priority"]).orderBy("setid").orderBy("priority", "desc").execute();
        // Each level's set is probed (flag 8); the fallback set (trunk id × 64) holds all, unprobed, in priority order.
        assert.deepEqual(dispatcher, [
          { destination: "sip:tr1@127.0.0.9:5060;transport=tcp", flags: 0, setid: id * 64, priority: 63 },
          { destination: "sip:tr1@pbx.example.com:5060;transport=tcp", flags: 16, setid: id * 64, priority: 62 },
          { destination: "sip:tr1@[::1]:5060;transport=tcp", flags: 0, setid: id * 64, priority: 61 },
          { destination: "sip:tr1@127.0.0.9:5060;transport=tcp", flags: 8, setid: id * 64 + 1, priority: 0 },
          { destination: "sip:tr1@pbx.example.com:5060;transport=tcp", flags: 24, setid: id * 64 + 2, priority: 0 },
          { destination: "sip:tr1@[::1]:5060;transport=tcp", flags: 8, setid: id * 64 + 3, priority: 0 },
        ]);
        const keys = async () => (await db.selectFrom("edge_trunk_keys").select(["key_name", "key_value"]).orderBy("key_name").execute()).map((r) => `${String(r.key_name)}=${String(r.key_value)}`);
        assert.deepEqual(await keys(), [`${id}::acct=acc`, `${id}::ds=${id * 64 + 1}=11;${id * 64 + 2}=11;${id * 64 + 3}=11`, `${id}::dsall=${id * 64}=8`, `${id}::inctry=KH`, `${id}::maxch=3`, `${id}::region=ap-south-1`]);

        // Someone changed a view by hand (or an older release made it differently): the next start restores it.
        await sql.raw("DROP VIEW edge_numbers").execute(db);
        await sql.raw("CREATE VIEW edge_numbers AS SELECT 1 AS trunk_id, 'x' AS key_name, 0 AS key_type, 0 AS value_type, 'y' AS key_value, 0 AS expires").execute(db);
        await db.deleteFrom("version").where("table_name", "=", "edge_numbers").execute();
        assert.deepEqual(await migrateToLatest(store), [], "no migration is pending");
        assert.deepEqual(
          (await db.selectFrom("edge_numbers").select(["key_name", "key_value"]).execute()).map((r) => `${String(r.key_name)}=${String(r.key_value)}`),
          [`919800000001=${id}:pstn`],
        );
        assert.equal((await db.selectFrom("version").select("table_version").where("table_name", "=", "edge_numbers").executeTakeFirst())?.table_version, 2);
      } finally {
        await store.close();
        await fx.dispose();
      }
    });
  }
});
