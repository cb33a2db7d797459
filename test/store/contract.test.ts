import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { ConflictError, NotFoundError, ValidationError } from "../../src/domain/errors.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import { migrateToLatest } from "../../src/store/db.js";
import { ENGINES, engineFixture, type EngineFixture } from "./engines.js";

const SECRET = "11".repeat(32);

/** The store contract: the same repositories and services behave the same on both engines. */
for (const engine of ENGINES) {
  describe(`store contract (${engine})`, () => {
    let fx: EngineFixture;
    let rt: Runtime;
    let a: string;
    let b: string;

    before(async () => {
      fx = await engineFixture(engine);
      const config = loadConfig({ DATABASE_URL: fx.databaseUrl, TRUNKLINE_SECRET_KEY: SECRET, TRUNKLINE_SIP_REALM: "test.realm" });
      rt = await openRuntime(config, { store: { pgSchema: fx.pgSchema } });
      a = (await rt.services.accounts.create({ sid: "acct_a" })).account.sid;
      b = (await rt.services.accounts.create({ sid: "acct_b" })).account.sid;
    });
    after(async () => {
      await rt?.close();
      await fx?.dispose();
    });

    it("applies migrations once; a second run is a no-op", async () => {
      assert.deepEqual(await migrateToLatest(rt.store), []);
    });

    it("authenticates by key+token and by token alone; tokens are stored hashed", async () => {
      const issued = await rt.services.accounts.create({ sid: "acct_auth", apiKey: "key_for_auth", apiToken: "token_for_auth_123456" });
      assert.equal((await rt.services.accounts.authenticateBasic("key_for_auth", "token_for_auth_123456"))?.sid, "acct_auth");
      assert.equal(await rt.services.accounts.authenticateBasic("key_for_auth", "wrong-token-000000"), undefined);
      assert.equal((await rt.services.accounts.authenticateToken("token_for_auth_123456"))?.sid, "acct_auth");
      const row = await rt.store.db.selectFrom("accounts").selectAll().where("sid", "=", "acct_auth").executeTakeFirstOrThrow();
      assert.notEqual(row.token_hash, issued.apiToken);
      const rotated = await rt.services.accounts.rotateToken("acct_auth");
      assert.ok(rotated.apiToken.length >= 20);
      assert.equal(await rt.services.accounts.authenticateBasic("key_for_auth", "token_for_auth_123456"), undefined);
      assert.equal((await rt.services.accounts.authenticateBasic("key_for_auth", rotated.apiToken))?.sid, "acct_auth");
      await assert.rejects(rt.services.accounts.create({ sid: "acct_auth" }), ConflictError);
    });

    it("the account change watch sees another process's credential change, and only changes", async () => {
      const watch = rt.services.ctx.accountChanges;
      assert.equal(watch?.live, true);
      const other = await openRuntime(loadConfig({ DATABASE_URL: fx.databaseUrl, TRUNKLINE_SECRET_KEY: SECRET }), { store: { pgSchema: fx.pgSchema } });
      try {
        await other.services.accounts.create({ sid: "acct_watched" });
        // Settle: whatever happened so far (this create, other suites' writes) is consumed.
        const settle = Date.now() + 300;
        while (Date.now() < settle) {
          watch.changed();
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(watch.changed(), false, "nothing changed since");
        await other.services.accounts.rotateToken("acct_watched");
        const started = Date.now();
        while (!watch.changed()) {
          assert.ok(Date.now() - started < 1000, "the rotation was not seen within 1 s");
          await new Promise((r) => setTimeout(r, 2));
        }
        assert.equal(watch.changed(), false, "reported once");
      } finally {
        await other.close();
      }
    });

    it("creates a trunk with a sealed digest credential and its HA1", async () => {
      const t = await rt.services.trunks.create(a, { name: "cred_trunk", withTrunkCredential: true });
      assert.match(t.sid, /^trmum[a-z0-9]{23}$/);
      assert.equal(t.credentials.length, 1);
      const cred = t.credentials[0]!;
      assert.equal(cred.username, t.sid);
      assert.match(cred.password, /^[A-Za-z0-9]{16}$/);
      const row = await rt.store.db.selectFrom("credentials").selectAll().where("username", "=", t.sid).executeTakeFirstOrThrow();
      assert.ok(!row.password_enc.includes(cred.password));
      assert.equal(row.ha1, createHash("md5").update(`${t.sid}:test.realm:${cred.password}`).digest("hex"));
    });

    it("keeps trunk names unique per account, not across accounts", async () => {
      await rt.services.trunks.create(a, { name: "same_name" });
      await assert.rejects(rt.services.trunks.create(a, { name: "same_name" }), ConflictError);
      await rt.services.trunks.create(b, { name: "same_name" });
    });

    it("scopes every trunk lookup by account", async () => {
      const t = await rt.services.trunks.create(a, { name: "scoped" });
      await assert.rejects(rt.services.trunks.get(b, { sid: t.sid }), NotFoundError);
      await assert.rejects(rt.services.trunks.get(b, { uuid: t.uuid }), NotFoundError);
      await assert.rejects(rt.services.phoneNumbers.map(b, t.sid, "+919876500001", null), NotFoundError);
      await assert.rejects(rt.services.trunks.delete(b, { sid: t.sid }), NotFoundError);
      assert.equal((await rt.services.trunks.get(a, { sid: t.sid })).name, "scoped");
    });

    it("maps a number to one trunk in the whole system", async () => {
      const t1 = await rt.services.trunks.create(a, { name: "num_a" });
      const t2 = await rt.services.trunks.create(b, { name: "num_b" });
      const n = await rt.services.phoneNumbers.map(a, t1.sid, "+919876500002", "flow");
      assert.equal(n.mode, "flow");
      await assert.rejects(rt.services.phoneNumbers.map(a, t1.sid, "+919876500002", null), ConflictError);
      await assert.rejects(rt.services.phoneNumbers.map(b, t2.sid, "+919876500002", null), (e: unknown) => e instanceof ConflictError && !e.message.includes(t1.sid));
      assert.equal((await rt.services.phoneNumbers.lookup(a, "+919876500002")).trunkSid, t1.sid);
      await assert.rejects(rt.services.phoneNumbers.lookup(b, "+919876500002"), NotFoundError);
    });

    it("pages by offset at the database", async () => {
      const t = await rt.services.trunks.create(a, { name: "paged" });
      for (let i = 0; i < 5; i++) await rt.services.phoneNumbers.map(a, t.sid, `+91987650010${i}`, null);
      const p1 = await rt.services.phoneNumbers.list(a, t.sid, 0, 2);
      const p3 = await rt.services.phoneNumbers.list(a, t.sid, 4, 2);
      assert.deepEqual(p1.items.map((n) => n.number), ["+919876500100", "+919876500101"]);
      assert.equal(p1.hasMore, true);
      assert.deepEqual(p3.items.map((n) => n.number), ["+919876500104"]);
      assert.equal(p3.hasMore, false);
    });

    it("pages trunks by keyset, newest first, both directions", async () => {
      const acct = (await rt.services.accounts.create({ sid: "acct_keyset" })).account.sid;
      const made = [];
      for (let i = 0; i < 5; i++) made.push(await rt.services.trunks.create(acct, { name: `k${i}` }));
      const first = await rt.services.trunks.listByKeyset(acct, 2, {});
      assert.deepEqual(first.items.map((t) => t.name), ["k4", "k3"]);
      assert.deepEqual([first.hasNewer, first.hasOlder], [false, true]);
      const second = await rt.services.trunks.listByKeyset(acct, 2, { after: first.items[1]!.uuid });
      assert.deepEqual(second.items.map((t) => t.name), ["k2", "k1"]);
      assert.deepEqual([second.hasNewer, second.hasOlder], [true, true]);
      const back = await rt.services.trunks.listByKeyset(acct, 2, { before: second.items[0]!.uuid });
      assert.deepEqual(back.items.map((t) => t.name), ["k4", "k3"]);
      assert.equal(back.hasNewer, false);
      assert.equal(made.length, 5);
      await assert.rejects(rt.services.trunks.listByKeyset(acct, 2, { after: randomUUID() }), ValidationError);
    });

    it("replaces the ACL as a set, keeping the ids of entries that stay", async () => {
      const t = await rt.services.trunks.create(a, { name: "acl", acl: [{ ip: "203.0.113.1", mask: 32 }, { ip: "198.51.100.0", mask: 24 }] });
      const keep = t.acl.find((e) => e.ip === "203.0.113.1")!;
      const u = await rt.services.trunks.update(a, { uuid: t.uuid }, { acl: [{ ip: "203.0.113.1", mask: 32 }, { ip: "192.0.2.7", mask: 32 }] });
      assert.deepEqual(u.acl.map((e) => `${e.ip}/${e.mask}`).sort(), ["192.0.2.7/32", "203.0.113.1/32"]);
      assert.equal(u.acl.find((e) => e.ip === "203.0.113.1")!.id, keep.id);
      const emptied = await rt.services.trunks.update(a, { uuid: t.uuid }, { acl: [] });
      assert.equal(emptied.acl.length, 0);
    });

    it("rolls back a multi-row update that fails half way: nothing changes", async () => {
      const t = await rt.services.trunks.create(a, { name: "atomic", acl: [{ ip: "203.0.113.9", mask: 32 }] });
      const [ok] = await rt.services.destinations.addMany(a, t.sid, [{ host: "10.0.0.1", port: 5060, transport: "udp" }, { host: "10.0.0.2", port: 5060, transport: "udp", priority: 5 }]);
      assert.ok(ok?.ok);
      // The ACL is replaced first, then the primary destination collides with the other one.
      await assert.rejects(
        rt.services.trunks.update(a, { uuid: t.uuid }, { name: "atomic2", acl: [{ ip: "192.0.2.99", mask: 32 }], outboundHost: { host: "10.0.0.2" } }),
        ConflictError,
      );
      const after = await rt.services.trunks.getDetail(a, { uuid: t.uuid });
      assert.equal(after.name, "atomic");
      assert.deepEqual(after.acl.map((e) => e.ip), ["203.0.113.9"]);
      assert.deepEqual(after.destinations.map((d) => d.host), ["10.0.0.1", "10.0.0.2"]);
    });

    it("deletes a trunk with everything hanging off it", async () => {
      const t = await rt.services.trunks.create(a, { name: "gone", withTrunkCredential: true, acl: [{ ip: "203.0.113.5", mask: 32 }], callerId: "+919876500003", outboundHost: { host: "pbx.example.com" }, routePrefixes: ["1855"] });
      await rt.services.phoneNumbers.map(a, t.sid, "+919876500004", null);
      await rt.services.trunks.delete(a, { sid: t.sid });
      const db = rt.store.db;
      for (const table of ["phone_numbers", "whitelisted_ips", "destinations", "credentials", "trunk_settings", "route_prefixes"] as const) {
        const rows = await db.selectFrom(table).select("trunk_id").where("trunk_id", "=", t.id).execute();
        assert.equal(rows.length, 0, `${table} rows left behind`);
      }
      // The number is free again.
      const t2 = await rt.services.trunks.create(a, { name: "reuse" });
      await rt.services.phoneNumbers.map(a, t2.sid, "+919876500004", null);
    });

    it("switches authentication modes: client credentials appear and go", async () => {
      const t = await rt.services.trunks.create(a, { name: "modes", authenticationMode: "client_credentials" });
      assert.equal(t.credentials.length, 1);
      assert.match(t.credentials[0]!.password, /^[A-Za-z0-9]{24}$/);
      const ip = await rt.services.trunks.update(a, { uuid: t.uuid }, { authenticationMode: "ip_address" });
      assert.equal(ip.credentials.length, 0);
      const back = await rt.services.trunks.update(a, { uuid: t.uuid }, { authenticationMode: "client_credentials" });
      assert.equal(back.credentials.length, 1);
    });

    it("reports every invalid trunk attribute at once", async () => {
      await assert.rejects(
        rt.services.trunks.create(a, { name: "", region: "mars-1", maxChannels: 0, inboundCountry: "XX", routePrefixes: ["12a"] }),
        (e: unknown) => e instanceof ValidationError && ["name", "region", "max_channels", "inbound_country", "outbound_route_prefixes"].every((f) => e.issues.some((i) => i.field === f)),
      );
    });

    it("publishes a change only after a committed write", async () => {
      const seen: string[] = [];
      const off = rt.feed.subscribe((changes) => seen.push(...changes.map((c) => `${c.kind}:${c.action}`)));
      const t = await rt.services.trunks.create(a, { name: "feed" });
      await assert.rejects(rt.services.trunks.create(a, { name: "feed" }), ConflictError);
      await rt.services.whitelistedIps.add(a, t.sid, "203.0.113.77", 32);
      off();
      assert.deepEqual(seen, ["trunk:created", "whitelisted_ip:created"]);
    });
  });
}
