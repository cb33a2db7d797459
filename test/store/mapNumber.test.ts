import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { ConflictError, NotFoundError, ValidationError } from "../../src/domain/errors.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import type { Change } from "../../src/services/changeFeed.js";
import { ENGINES, engineFixture, type EngineFixture } from "./engines.js";

/** Counts the statements sent through `db`, failed ones too (a plugin sees only results). */
function counting<D extends { executeQuery: (...args: never[]) => unknown }>(db: D): { db: D; count: () => number } {
  let count = 0;
  const run = db.executeQuery.bind(db) as (...args: never[]) => unknown;
  const wrapped = Object.assign(db, { executeQuery: (...args: never[]) => (count++, run(...args)) });
  return { db: wrapped, count: () => count };
}

/**
 * Mapping a number is one statement (the insert finds the trunk itself), and answers as the
 * lookup-then-insert did: bad input first, then a trunk not of this account (404, even for a
 * number taken elsewhere, and nothing written), then a number taken (409, same message whoever
 * holds it). The change feed hears of a mapping with its trunk's id, and of nothing else.
 */
for (const engine of ENGINES) {
  describe(`map a number in one statement (${engine})`, () => {
    let fx: EngineFixture;
    let rt: Runtime;
    let trunkA: { id: number; sid: string };
    let trunkB: string;
    const changes: Change[] = [];
    let statements = () => 0;

    before(async () => {
      fx = await engineFixture(engine);
      rt = await openRuntime(loadConfig({ DATABASE_URL: fx.databaseUrl, TRUNKLINE_SECRET_KEY: "33".repeat(32), TRUNKLINE_SIP_REALM: "test.realm" }), { store: { pgSchema: fx.pgSchema } });
      await rt.services.accounts.create({ sid: "map_a" });
      await rt.services.accounts.create({ sid: "map_b" });
      const a = await rt.services.trunks.create("map_a", { name: "map_a" });
      trunkB = (await rt.services.trunks.create("map_b", { name: "map_b" })).sid;
      const row = await rt.store.db.selectFrom("trunks").select(["id", "sid"]).where("sid", "=", a.sid).executeTakeFirstOrThrow();
      trunkA = row;
      rt.feed.subscribe((c) => changes.push(...c));
      // With a plugin the named statements go through Kysely's executeQuery too (prepared.ts).
      const counted = counting(rt.store.db.withPlugin({ transformQuery: (args) => args.node, transformResult: async (args) => args.result }));
      rt.store.db = counted.db;
      statements = counted.count;
    });
    after(async () => {
      await rt?.close();
      await fx?.dispose();
    });

    const numbers = async () => (await rt.store.db.selectFrom("phone_numbers").select(["number", "trunk_id", "mode"]).orderBy("id").execute()).map((r) => `${r.number}@${r.trunk_id}:${r.mode ?? "-"}`);

    /** The outcome of a map (the mapping or the error), its statements, and the changes it published. */
    const map = async (account: string, trunkSid: string, number: string, mode: "pstn" | "flow" | null) => {
      const [count, published] = [statements(), changes.length];
      const outcome = await rt.services.phoneNumbers.map(account, trunkSid, number, mode).catch((e: unknown) => e as Error);
      return { outcome, statements: statements() - count, changes: changes.slice(published) };
    };

    it("maps: one statement; the mapping names the trunk's sid; the feed gets the trunk's id", async () => {
      const { outcome, statements: ran, changes: published } = await map("map_a", trunkA.sid, "+919800500001", "flow");
      assert.equal(ran, 1);
      assert.ok(!(outcome instanceof Error), String(outcome));
      assert.deepEqual({ ...outcome, id: 0, createdAt: "", updatedAt: "" }, { id: 0, trunkSid: trunkA.sid, number: "+919800500001", mode: "flow", createdAt: "", updatedAt: "" });
      assert.equal(outcome.createdAt, outcome.updatedAt);
      assert.deepEqual(published, [{ accountSid: "map_a", trunkId: trunkA.id, kind: "phone_number", action: "created" }]);
      assert.deepEqual(await numbers(), [`+919800500001@${trunkA.id}:flow`]);
    });

    it("another account's trunk: the 404 of a trunk that does not exist, nothing written or published", async () => {
      const before = await numbers();
      for (const number of ["+919800500002", "+919800500001"]) {
        // A free number, and one mapped already (on A's own trunk): the trunk is checked first.
        const { outcome, statements: ran, changes: published } = await map("map_b", trunkA.sid, number, null);
        assert.ok(outcome instanceof NotFoundError, String(outcome));
        assert.deepEqual([outcome.resource, outcome.ref, outcome.message], ["trunk", trunkA.sid, `Trunk '${trunkA.sid}' does not exist`]);
        assert.equal(ran, 1);
        assert.deepEqual(published, []);
      }
      const missing = await map("map_b", "trmumzzzzzzzzzzzzzzzzzzzzzzz", "+919800500002", null);
      assert.ok(missing.outcome instanceof NotFoundError);
      assert.equal(missing.outcome.message, "Trunk 'trmumzzzzzzzzzzzzzzzzzzzzzzz' does not exist");
      assert.deepEqual(await numbers(), before);
    });

    it("a number mapped already: 409 naming only the number, whoever holds it; the mapping unchanged", async () => {
      const before = await numbers();
      for (const [account, trunkSid] of [["map_a", trunkA.sid], ["map_b", trunkB]] as const) {
        const { outcome, statements: ran, changes: published } = await map(account, trunkSid, "+919800500001", "pstn");
        assert.ok(outcome instanceof ConflictError, String(outcome));
        assert.deepEqual([outcome.field, outcome.message], ["phone_number", "Phone number '+919800500001' already exists"]);
        assert.equal(ran, 1);
        assert.deepEqual(published, []);
      }
      assert.deepEqual(await numbers(), before);
    });

    it("bad input is a 400 before any statement, even on another account's trunk", async () => {
      for (const [number, mode, field] of [["919800500003", null, "phone_number"], ["+919800500003", "sip", "mode"]] as const) {
        const { outcome, statements: ran } = await map("map_b", trunkA.sid, number, mode as never);
        assert.ok(outcome instanceof ValidationError, String(outcome));
        assert.equal(outcome.issues[0]?.field, field);
        assert.equal(ran, 0);
      }
    });

    it("a number a failed map named is still free: mapped afterwards on its own account's trunk", async () => {
      const { outcome } = await map("map_b", trunkB, "+919800500002", null);
      assert.ok(!(outcome instanceof Error), String(outcome));
      assert.equal(outcome.trunkSid, trunkB);
    });
  });
}
