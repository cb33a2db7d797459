import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { loadConfig } from "../../src/config.js";
import { NotFoundError } from "../../src/domain/errors.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import { engineFixture, type EngineFixture } from "./engines.js";

/**
 * A child written to a trunk that another request deletes meanwhile: the services look the trunk
 * up, then insert; PostgreSQL checks the trunk's key at the insert's end, after the delete
 * committed. Each write must answer the trunk's 404 (whileTrunkExists), not a foreign-key 500, and
 * leave nothing behind. PostgreSQL only: SQLite runs each statement alone (one connection, one
 * writer), so a delete can never land between a statement's read of the trunk and its check.
 */
describe("a trunk deleted while a child is being written (postgres)", () => {
  let fx: EngineFixture;
  let rt: Runtime;
  let n = 0;

  before(async () => {
    fx = await engineFixture("postgres");
    rt = await openRuntime(loadConfig({ DATABASE_URL: fx.databaseUrl, TRUNKLINE_SECRET_KEY: "44".repeat(32), TRUNKLINE_SIP_REALM: "test.realm" }), { store: { pgSchema: fx.pgSchema } });
    await rt.services.accounts.create({ sid: "gone" });
  });
  after(async () => {
    await rt?.close();
    await fx?.dispose();
  });

  /** Runs `write` on a new trunk while a transaction holds the trunk's delete open, then commits the delete. */
  async function racing(write: (trunkSid: string) => Promise<unknown>): Promise<unknown> {
    const trunk = await rt.services.trunks.create("gone", { name: `gone_${++n}` });
    const client = new pg.Client({ connectionString: fx.databaseUrl });
    await client.connect();
    try {
      await client.query(`set search_path to ${fx.pgSchema}`);
      await client.query("begin");
      await client.query("delete from trunks where sid = $1", [trunk.sid]);
      const pending = write(trunk.sid).catch((e: unknown) => e);
      // The write has found the trunk (the delete is not committed) and waits on its row lock.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await client.query("commit");
      return { outcome: await pending, sid: trunk.sid };
    } finally {
      await client.end();
    }
  }

  const notFound = (outcome: unknown, sid: string) => {
    assert.ok(outcome instanceof NotFoundError, String(outcome));
    assert.equal(outcome.message, `Trunk '${sid}' does not exist`);
  };
  const firstItem = (outcome: unknown) => (outcome as { ok: boolean; error?: unknown }[])[0]?.error;

  it("map number, ACL entry, credential: the 404", async () => {
    const writes: ((sid: string) => Promise<unknown>)[] = [
      (sid) => rt.services.phoneNumbers.map("gone", sid, "+919800600001", null),
      (sid) => rt.services.whitelistedIps.add("gone", sid, "192.0.2.7", 32),
      (sid) => rt.services.credentials.create("gone", sid, { username: "gone_user_1", password: "Secret-pass-123" }),
    ];
    for (const write of writes) {
      const { outcome, sid } = (await racing(write)) as { outcome: unknown; sid: string };
      notFound(outcome, sid);
    }
  });

  it("destinations and settings (batches): the item's 404", async () => {
    const writes: ((sid: string) => Promise<unknown>)[] = [
      (sid) => rt.services.destinations.addMany("gone", sid, [{ host: "192.0.2.8", port: 5060, transport: "udp" }]),
      (sid) => rt.services.settings.setMany("gone", sid, [{ name: "trunk_external_alias", value: "+919800600002" }]),
    ];
    for (const write of writes) {
      const { outcome, sid } = (await racing(write)) as { outcome: unknown; sid: string };
      notFound(firstItem(outcome), sid);
    }
  });

  it("a trunk update that writes children (ACL, outbound host, caller id, prefixes): the 404", async () => {
    const patch = { acl: [{ ip: "192.0.2.9", mask: 32 }], outboundHost: { host: "192.0.2.10" }, callerId: "+919800600003", routePrefixes: ["91"] };
    const { outcome, sid } = (await racing((sid) => rt.services.trunks.update("gone", { sid }, patch))) as { outcome: unknown; sid: string };
    notFound(outcome, sid);
  });

  it("nothing of a refused write is left", async () => {
    const db = rt.store.db;
    const count = async (table: "phone_numbers" | "whitelisted_ips" | "credentials" | "destinations" | "trunk_settings" | "route_prefixes") => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    assert.deepEqual(
      await Promise.all((["phone_numbers", "whitelisted_ips", "credentials", "destinations", "trunk_settings", "route_prefixes"] as const).map(count)),
      [0, 0, 0, 0, 0, 0],
    );
  });
});
