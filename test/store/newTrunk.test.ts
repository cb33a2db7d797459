import assert from "node:assert/strict";
import { it } from "node:test";
import { sipHa1 } from "../../src/crypto/digest.js";
import { ConflictError } from "../../src/domain/errors.js";
import type { NewTrunk } from "../../src/services/trunkInput.js";
import { describeOnEngines } from "../helpers/server.js";

const CHILD_TABLES = ["trunks", "credentials", "route_prefixes", "whitelisted_ips", "destinations", "trunk_settings"] as const;

/** A create with every child a create can carry. */
const full = (name: string, extra: Partial<NewTrunk> = {}): NewTrunk => ({
  name,
  withTrunkCredential: true,
  authenticationMode: "client_credentials",
  routePrefixes: ["91", "1", "91"],
  acl: [
    { ip: "198.51.100.7", mask: 32 },
    { ip: "203.0.113.0", mask: 24 },
    { ip: "198.51.100.7", mask: 32 },
  ],
  outboundHost: { host: "pbx.example.net", port: 5080 },
  callerId: "+919000000001",
  ...extra,
});

/**
 * Trunk create writes the trunk and all its children in one repository call (newTrunk.ts): one
 * statement on PostgreSQL, one transaction on SQLite. All of it or nothing.
 */
describeOnEngines("trunk create in one call", (server) => {
  const rows = async () => {
    const db = server().runtime.store.db;
    const counts: Record<string, number> = {};
    for (const table of CHILD_TABLES) {
      const r = await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      counts[table] = Number(r.n);
    }
    return counts;
  };
  const conflict = async (create: Promise<unknown>): Promise<ConflictError> => {
    const error = await create.then(
      () => assert.fail("the create succeeded"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConflictError, String(error));
    return error;
  };

  it("writes every child, in the order given, repeats dropped; the credentials sealed with their HA1", async () => {
    const { accounts, trunks } = server().runtime.services;
    await accounts.create({ sid: "onecall" });
    const t = await trunks.create("onecall", full("everything"));
    assert.deepEqual(t.routePrefixes, ["91", "1"]);
    assert.deepEqual(
      t.acl.map((a) => `${a.ip}/${a.mask}`),
      ["198.51.100.7/32", "203.0.113.0/24"],
    );
    assert.ok((t.acl[0]?.id ?? 0) < (t.acl[1]?.id ?? 0), "ids in the order given");
    assert.deepEqual(
      t.destinations.map((d) => [d.host, d.port, d.transport, d.priority, d.weight]),
      [["pbx.example.net", 5080, "udp", 0, 1]],
    );
    assert.equal(t.callerId, "+919000000001");
    assert.equal(t.credentials.length, 2);
    assert.equal(t.credentials[0]?.username, t.sid, "the trunk credential first");
    assert.deepEqual(await trunks.getDetail("onecall", { sid: t.sid }), t);
    const realm = server().runtime.config.sipRealm;
    const stored = await server().runtime.store.db.selectFrom("credentials").selectAll().where("trunk_id", "=", t.id).orderBy("id").execute();
    for (const [i, c] of t.credentials.entries()) {
      assert.equal(stored[i]?.ha1, sipHa1(c.username, realm, c.password));
      assert.notEqual(stored[i]?.password_enc, c.password);
    }
    // Array parameters on PostgreSQL: quotes, commas, braces and backslashes come back as sent.
    const odd = 'a "quoted", {braced} \\ value';
    assert.equal((await trunks.create("onecall", { name: "odd", callerId: odd })).callerId, odd);
    const bare = await trunks.create("onecall", { name: "bare" });
    assert.deepEqual([bare.credentials, bare.acl, bare.destinations, bare.routePrefixes, bare.callerId], [[], [], [], [], null]);
  });

  it("is one statement on PostgreSQL, its detail included; on SQLite the detail is read in the same transaction", async () => {
    const { accounts, trunks } = server().runtime.services;
    await accounts.create({ sid: "onestmt" });
    const seen: string[] = [];
    const stop = server().runtime.store.queries.observe((query) => seen.push(query));
    try {
      await trunks.create("onestmt", full("counted"));
    } finally {
      stop();
    }
    if (server().engine === "postgres") assert.deepEqual(seen, ["insert trunks"]);
    else assert.deepEqual(seen.slice(-2), ["select trunks", "raw"], "the detail read, then the commit");
  });

  it("a taken name: the name conflict, nothing written", async () => {
    const { accounts, trunks } = server().runtime.services;
    await accounts.create({ sid: "onename" });
    await trunks.create("onename", full("taken"));
    const before = await rows();
    const error = await conflict(trunks.create("onename", full("taken")));
    assert.equal(error.field, "name");
    assert.equal(error.message, "Trunk with name 'taken' already exists");
    assert.deepEqual(await rows(), before);
  });

  it("a taken credential username: the user_name conflict, and the trunk (inserted first) not written either", async () => {
    const { accounts, trunks, credentials } = server().runtime.services;
    await accounts.create({ sid: "oneuser" });
    const other = await trunks.create("oneuser", { name: "holder" });
    await credentials.create("oneuser", other.sid, { username: "trTAKENUSERNAME", password: "Password123456" });
    const before = await rows();
    const error = await conflict(trunks.create("oneuser", full("fresh", { fixed: { sid: "trTAKENUSERNAME", trunkPassword: "Password123456" } })));
    assert.equal(error.field, "user_name");
    assert.equal(error.message, "Credential with user_name 'trTAKENUSERNAME' already exists");
    assert.deepEqual(await rows(), before);
    assert.equal(await trunks.findDetailByName("oneuser", "fresh"), undefined);
    // The name is free: nothing of the failed create holds it.
    assert.equal((await trunks.create("oneuser", full("fresh"))).name, "fresh");
  });
});
