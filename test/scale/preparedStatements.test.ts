import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { migrateToLatest, openStore, type Store } from "../../src/store/db.js";
import { repreparedStatements } from "../../src/store/pgNamed.js";
import { trunksRepo } from "../../src/store/repositories/trunks.js";
import { createPgSchema, PG_URL, requirePostgres } from "./harness.js";

/**
 * PostgreSQL named prepared statements (src/store/pgNamed.ts) and the risk they bring: a
 * migration run by another process adds a column to a table a prepared `select *` reads, and
 * every connection that prepared it then fails with `cached plan must not change result type`.
 */
describe("named prepared statements after a migration [postgres]", () => {
  let store: Store;
  let drop: () => Promise<void>;
  let schema: string;
  const admin = new pg.Client({ connectionString: PG_URL });

  before(async () => {
    await requirePostgres();
    ({ schema, drop } = await createPgSchema());
    store = openStore({ databaseUrl: PG_URL, pgSchema: schema, poolSize: 4 });
    await migrateToLatest(store);
    await store.db.insertInto("accounts").values({ sid: "ps", api_key: "ps-key-0001", token_hash: "ab".repeat(32), created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z" }).execute();
    const now = "2026-01-01T00:00:00Z";
    await trunksRepo.insert(store.db, {
      sid: "trps0001",
      uuid: "00000000-0000-4000-8000-000000000001",
      account_sid: "ps",
      name: "ps",
      nso_code: "ANY-ANY",
      domain_name: "ps.example",
      auth_type: "IP-WHITELIST",
      status: "active",
      region: "in",
      authentication_mode: "ip_address",
      max_channels: null,
      inbound_country: null,
      outbound_dial_string_prefix: null,
      outbound_national_dialing: 0,
      outbound_plus_prefix: 0,
      created_at: now,
      updated_at: now,
    });
    await admin.connect();
  });
  after(async () => {
    await admin.end().catch(() => undefined);
    await store?.close();
    await drop?.();
  });

  /** Every pool connection runs the lookup (four at once, twice over), so each has it prepared. */
  const lookupOnEveryConnection = async () => {
    for (let round = 0; round < 2; round++) {
      const rows = await Promise.all(Array.from({ length: 8 }, () => trunksRepo.findBySid(store.db, "ps", "trps0001")));
      for (const row of rows) assert.equal(row?.sid, "trps0001");
    }
  };

  it("the risk is real: a named statement prepared before ALTER TABLE ... ADD COLUMN fails after it", async () => {
    await admin.query(`set search_path = ${schema}`);
    await admin.query({ name: "ps_probe", text: "select * from trunks where sid = $1", values: ["trps0001"] });
    await admin.query("alter table trunks add column probe_a text");
    await assert.rejects(admin.query({ name: "ps_probe", text: "select * from trunks where sid = $1", values: ["trps0001"] }), (e: Error & { code?: string }) => {
      assert.equal(e.code, "0A000");
      assert.match(e.message, /cached plan must not change result type/);
      return true;
    });
  });

  it("the store re-prepares and answers with the new column, on every connection, without an error", async () => {
    await lookupOnEveryConnection();
    const before = repreparedStatements();
    await admin.query("alter table trunks add column probe_b text");
    await lookupOnEveryConnection();
    const row = (await trunksRepo.findBySid(store.db, "ps", "trps0001")) as Record<string, unknown> | undefined;
    assert.ok(row && "probe_b" in row, "the row has the column added by the migration");
    // The stale statement was met and replaced (once: the new name serves every connection).
    assert.ok(repreparedStatements() > before, "no stale statement was met: were the lookups named?");
    const after = repreparedStatements();
    await lookupOnEveryConnection();
    assert.equal(repreparedStatements(), after);
  });

  it("lookups running while the migration lands: none fails, and the statement is renamed once, not once per connection", async () => {
    await lookupOnEveryConnection();
    const before = repreparedStatements();
    let stop = false;
    const lookups = Array.from({ length: 8 }, async () => {
      let n = 0;
      while (!stop || n < 5) {
        assert.equal((await trunksRepo.findBySid(store.db, "ps", "trps0001"))?.sid, "trps0001");
        n++;
      }
      return n;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await admin.query("alter table trunks add column probe_d text");
    await new Promise((resolve) => setTimeout(resolve, 50));
    stop = true;
    await Promise.all(lookups);
    const row = (await trunksRepo.findBySid(store.db, "ps", "trps0001")) as Record<string, unknown> | undefined;
    assert.ok(row && "probe_d" in row, "every connection describes the statement again: the new column is there");
    assert.equal(repreparedStatements(), before + 1);
  });

  it("inside a transaction the same lookup is unnamed, so a migration cannot abort the transaction", async () => {
    await lookupOnEveryConnection();
    await admin.query("alter table trunks add column probe_c text");
    const before = repreparedStatements();
    const row = await store.db.transaction().execute((trx) => trunksRepo.findBySid(trx, "ps", "trps0001"));
    assert.equal(row?.sid, "trps0001");
    assert.equal(repreparedStatements(), before);
  });
});
