import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { before, it } from "node:test";
import { freePort } from "../helpers/process.js";
import { describeOnEngines } from "../helpers/server.js";
import { insertCall, trunkIdOf } from "../calls/fixture.js";
import { runtimes } from "../../src/cli/commands/resources/targets.js";
import { runCli } from "./resourcesRun.js";

const real = runtimes.open;
const SECRET = randomBytes(32).toString("hex");
const KEY = "acmekey1234";
const TOKEN = "acmetoken1234567890";
const OTHER_SID = () => `other_${randomBytes(3).toString("hex")}`;

type Obj = Record<string, unknown>;

/**
 * The resource commands in both modes on one store: store mode (services on DATABASE_URL) and
 * server mode (--url, the Exotel API of a real server on that store). Each mode must print the
 * same things and the same errors.
 */
describeOnEngines("trunkline resource commands", (server) => {
  let storeEnv: Record<string, string | undefined>;
  let serverEnv: Record<string, string | undefined>;
  before(async () => {
    const s = server();
    await s.runtime.services.accounts.create({ sid: "acme", apiKey: KEY, apiToken: TOKEN });
    const base = {
      DATABASE_URL: s.runtime.config.databaseUrl,
      TRUNKLINE_PG_SCHEMA: s.runtime.services.ctx.store.pgSchema,
      TRUNKLINE_SECRET_KEY: SECRET,
      LOG_LEVEL: "warn",
      TRUNKLINE_ACCOUNT: "acme",
    };
    // Store mode runs the services of a runtime of its own on the store: here the server's,
    // opened once (a CLI process opens one per command; the test of both modes below does).
    runtimes.open = async () => ({ services: s.runtime.services, edge: undefined, close: async () => undefined });
    storeEnv = { ...base, TRUNKLINE_URL: undefined, TRUNKLINE_API_KEY: undefined, TRUNKLINE_API_TOKEN: undefined };
    serverEnv = { ...base, TRUNKLINE_URL: s.baseUrl, TRUNKLINE_API_KEY: KEY, TRUNKLINE_API_TOKEN: TOKEN };
  });

  const modes = () => [
    ["store", storeEnv],
    ["server", serverEnv],
  ] as const;

  /** Runs in one mode; asserts success and returns the parsed --json output. */
  const ok = async <T = Obj>(env: Record<string, string | undefined>, ...args: string[]): Promise<T> => {
    const run = await runCli([...args, "--json"], env);
    assert.equal(run.code, 0, `${args.join(" ")}: ${run.err}`);
    return run.json<T>();
  };

  it("every command of every resource round-trips, in store mode and in server mode", async () => {
    for (const [mode, env] of modes()) {
      const name = `t_${mode}`;
      const trunk = await ok(env, "trunks", "create", "--name", name);
      const sid = trunk.trunk_sid as string;
      assert.match(sid, /^tr/);
      assert.equal(trunk.trunk_name, name);
      assert.equal(trunk.domain_name, "acme.pstn.exotel.com");
      const got = await ok(env, "trunks", "get", sid);
      assert.equal(got.trunk_sid, sid);
      const listed = await ok<Obj[]>(env, "trunks", "list", "--page-size", "1000");
      assert.ok(listed.some((t) => t.trunk_sid === sid), mode);
      assert.equal((await ok(env, "trunks", "update", sid, "--name", `${name}2`)).trunk_name, `${name}2`);

      const num = await ok(env, "numbers", "create", sid, "--number", mode === "store" ? "+919876543210" : "+919876543211", "--mode", "pstn");
      assert.deepEqual([num.mode, num.trunk_sid], ["pstn", sid]);
      assert.deepEqual((await ok<Obj[]>(env, "numbers", "list", sid)).map((n) => n.id), [num.id]);
      assert.equal((await ok(env, "numbers", "update", sid, String(num.id), "--number", num.phone_number as string, "--mode", "flow")).mode, "flow");
      assert.equal((await ok(env, "numbers", "delete", sid, String(num.id))).id, num.id);
      assert.deepEqual(await ok(env, "numbers", "list", sid), []);

      const ip = await ok(env, "ips", "create", sid, "--ip", "203.0.113.5", "--friendly-name", "office");
      assert.deepEqual([ip.ip, ip.mask, ip.friendly_name], ["203.0.113.5", 32, "office"]);
      assert.equal((await ok<Obj[]>(env, "ips", "list", sid)).length, 1);
      assert.deepEqual((await ok(env, "ips", "update", sid, String(ip.id), "--ip", "203.0.113.0", "--mask", "24")).mask, 24);
      assert.equal((await ok(env, "ips", "delete", sid, String(ip.id))).ip, "203.0.113.0");

      const dest = await ok(env, "destinations", "create", sid, "--destination", "203.0.113.9:5061;transport=tls", "--weight", "5");
      assert.deepEqual([dest.destination, dest.priority, dest.weight], ["sip:203.0.113.9:5061;transport=tls", 0, 5]);
      const dests = await ok<Obj[]>(env, "destinations", "list", sid);
      assert.deepEqual(dests.map((d) => [d.id, (d.health as Obj).state]), [[dest.id, "unknown"]]);
      assert.equal((await ok(env, "destinations", "update", sid, String(dest.id), "--priority", "2")).priority, 2);
      assert.equal((await ok(env, "destinations", "delete", sid, String(dest.id))).id, dest.id);

      // A new trunk has its own credential: the wire's {username, password}, printed as a list of one.
      const own = await ok<Obj[]>(env, "credentials", "list", sid);
      assert.deepEqual(own.map((c) => c.username), [sid]);
      const cred = await ok(env, "credentials", "create", sid, "--username", `pbx_${mode}`, "--password", "Xk9mP2nQ4rS6tU8v");
      assert.equal(cred.username, `pbx_${mode}`);
      assert.equal((await ok<Obj[]>(env, "credentials", "list", sid)).length, 2);
      assert.equal((await ok(env, "credentials", "update", sid, String(cred.id), "--friendly-name", "Office PBX")).friendly_name, "Office PBX");
      assert.equal((await ok(env, "credentials", "delete", sid, String(cred.id))).id, cred.id);

      const set = await ok(env, "settings", "set", sid, "trunk_external_alias", "+919876543210");
      assert.deepEqual([set.name, set.value], ["trunk_external_alias", "+919876543210"]);
      assert.deepEqual((await ok<Obj[]>(env, "settings", "list", sid)).map((x) => x.value), ["+919876543210"]);
      assert.equal((await ok(env, "settings", "delete", sid, "trunk_external_alias")).name, "trunk_external_alias");

      assert.deepEqual(await ok(env, "trunks", "delete", sid), { trunk_sid: sid, deleted: true });
      const gone = await runCli(["trunks", "get", sid], env);
      assert.equal(gone.code, 1);
      assert.equal(gone.err, `error: Trunk '${sid}' does not exist (1003 Resource not found)\n`);
    }
  });

  it("both modes print the same objects: a trunk made in one is read alike through the other", async () => {
    const shared = runtimes.open;
    runtimes.open = real;
    try {
      const made = await ok(storeEnv, "trunks", "create", "--name", "same");
      const sid = made.trunk_sid as string;
      const fromStore = await ok(storeEnv, "trunks", "get", sid);
      const { active_calls, ...fromServer } = await ok(serverEnv, "trunks", "get", sid);
      assert.equal(active_calls, 0); // live calls: only a server knows them
      assert.deepEqual(fromServer, fromStore);
      await ok(serverEnv, "ips", "create", sid, "--ip", "198.51.100.7");
      assert.deepEqual(await ok(storeEnv, "ips", "list", sid), await ok(serverEnv, "ips", "list", sid));
      assert.deepEqual(await ok(storeEnv, "credentials", "list", sid), await ok(serverEnv, "credentials", "list", sid));
    } finally {
      runtimes.open = shared;
    }
  });

  it("tables by default: a header and one line per object", async () => {
    const made = await ok(storeEnv, "trunks", "create", "--name", "tabled");
    for (const [, env] of modes()) {
      const run = await runCli(["trunks", "list", "--page-size", "1000"], env);
      assert.equal(run.code, 0, run.err);
      const [header, ...rows] = run.out.trimEnd().split("\n");
      assert.match(header!, /^TRUNK_SID\s+TRUNK_NAME\s+STATUS\s+AUTH_TYPE\s+NSO_CODE\s+DOMAIN_NAME\s+DATE_CREATED$/);
      assert.ok(rows.some((r) => r.startsWith(`${made.trunk_sid as string}  tabled `)), run.out);
      const empty = await runCli(["numbers", "list", made.trunk_sid as string], env);
      assert.equal(empty.out, "(none)\n");
      const one = await runCli(["trunks", "get", made.trunk_sid as string], env);
      assert.match(one.out, /^trunk_name: tabled\n/);
    }
  });

  it("domain errors are the same in both modes: code, message and what was wrong", async () => {
    const other = OTHER_SID();
    await server().runtime.services.accounts.create({ sid: other });
    const foreign = await server().runtime.services.trunks.create(other, { name: "theirs", withTrunkCredential: true });
    const t = await ok(storeEnv, "trunks", "create", "--name", "errs");
    const cases: [string[], string][] = [
      [["trunks", "get", foreign.sid], `error: Trunk '${foreign.sid}' does not exist (1003 Resource not found)`],
      [["numbers", "list", foreign.sid], `error: Trunk '${foreign.sid}' does not exist (1003 Resource not found)`],
      [["trunks", "create", "--name", "bad name"], "error: trunk_name must be alphanumeric with underscores only, max 16 characters (1000 Invalid request)"],
      [["trunks", "create", "--name", "errs"], "error: Trunk with name 'errs' already exists (1002 Resource exists)"],
      [["trunks", "update", t.trunk_sid as string], "error: At least one of trunk_name, nso_code, auth_type is mandatory (1001 Invalid parameter)"],
      [["ips", "create", t.trunk_sid as string, "--ip", "10.0.0.300"], ""],
      [["ips", "delete", t.trunk_sid as string, "999999"], ""],
      [["destinations", "create", t.trunk_sid as string, "--destination", "nowhere"], ""],
      [["numbers", "create", t.trunk_sid as string, "--number", "12"], ""],
      [["settings", "delete", t.trunk_sid as string, "trunk_external_alias"], ""],
      [["calls", "get", "CAnope"], "error: Call CAnope not found (404 RestException)"],
    ];
    for (const [args, expected] of cases) {
      const store = await runCli(args, storeEnv);
      const remote = await runCli(args, serverEnv);
      assert.equal(store.code, 1, `${args.join(" ")}: ${store.out}`);
      assert.equal(remote.code, 1, `${args.join(" ")}: ${remote.out}`);
      assert.equal(remote.err, store.err, args.join(" "));
      assert.match(store.err, /^error: .+ \(\d+ .+\)\n$/);
      if (expected) assert.equal(store.err, `${expected}\n`);
    }
    // The other account's trunk is still there: nothing was done to it.
    assert.equal((await server().runtime.services.trunks.get(other, { sid: foreign.sid })).name, "theirs");
  });

  it("calls list and get read the account's call records", async () => {
    const t = await ok(storeEnv, "trunks", "create", "--name", "calls");
    const { id } = await trunkIdOf(server().runtime.services.ctx.store, t.trunk_sid as string);
    const sid = await insertCall(server().runtime.services.ctx.store, { account_sid: "acme", trunk_in_id: id, status: "completed", sip_code: 200, sip_reason: "OK" });
    for (const [mode, env] of modes()) {
      const list = await ok<Obj[]>(env, "calls", "list", "--trunk", t.trunk_sid as string);
      assert.deepEqual(list.map((c) => [c.Sid, c.Status, c.TrunkSid]), [[sid, "completed", t.trunk_sid]], mode);
      const one = await ok(env, "calls", "get", sid, "--details");
      assert.equal(one.Sid, sid);
      assert.ok("Details" in one, mode);
      const table = await runCli(["calls", "list", "--trunk", t.trunk_sid as string], env);
      assert.match(table.out, new RegExp(`^${sid}  `, "m"));
    }
    assert.deepEqual(await ok(storeEnv, "calls", "get", sid), await ok(serverEnv, "calls", "get", sid));
  });

  it("usage errors exit 2 naming the culprit; --help everywhere starts nothing", async () => {
    const usage: [string[], RegExp][] = [
      [["trunks", "list", "--bogus"], /unknown option '--bogus'/],
      [["trunks", "frobnicate"], /unknown command 'frobnicate'/],
      [["numbers", "delete", "trabc", "x1"], /value 'x1' is invalid for argument 'id'\. must be a positive integer id/],
      [["trunks", "list", "--page-size", "0"], /option '--page-size <n>' argument '0' is invalid\. must be 1 to 1000/],
      [["ips", "create", "trabc"], /required option '--ip <ip>' not specified/],
      [["trunks", "get"], /missing required argument 'trunk_sid'/],
    ];
    for (const [args, message] of usage) {
      const run = await runCli(args, storeEnv);
      assert.equal(run.code, 2, args.join(" "));
      assert.match(run.err, message);
    }
    for (const group of ["trunks", "numbers", "ips", "destinations", "credentials", "settings", "calls"]) {
      const help = await runCli([group, "--help"], { DATABASE_URL: "/nonexistent/dir/x.db" });
      assert.equal(help.code, 0);
      assert.match(help.out, /Server mode: --url/);
      for (const sub of help.out.matchAll(/^ {2}(list|get|create|update|delete|set) /gm)) {
        const subHelp = await runCli([group, sub[1]!, "--help"], { DATABASE_URL: "/nonexistent/dir/x.db" });
        assert.equal(subHelp.code, 0, `${group} ${sub[1]!}`);
        assert.match(subHelp.out, /--account <sid>[\s\S]*--url <url>[\s\S]*--json/);
      }
    }
  });

  it("setup errors say what to fix: no account, an unreachable server, a wrong key, no key", async () => {
    const noAccount = await runCli(["trunks", "list"], { ...storeEnv, TRUNKLINE_ACCOUNT: undefined });
    assert.equal(noAccount.code, 1);
    assert.equal(noAccount.err, "error: --account SID is required (or set TRUNKLINE_ACCOUNT): the account whose objects these are\n");
    const port = await freePort();
    const down = await runCli(["trunks", "list", "--url", `http://127.0.0.1:${port}`], serverEnv);
    assert.equal(down.code, 1);
    assert.equal(down.err, `error: cannot reach the server at http://127.0.0.1:${port}: ECONNREFUSED\n`);
    const wrong = await runCli(["trunks", "list", "--token", "wrongtoken123456"], serverEnv);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.err, "error: Invalid API key or token (1010 Authorization failed)\n");
    const noKey = await runCli(["trunks", "list"], { ...serverEnv, TRUNKLINE_API_KEY: undefined });
    assert.equal(noKey.code, 1);
    assert.match(noKey.err, /--url needs the account's API key and token: --key and --token/);
    const badUrl = await runCli(["trunks", "list", "--url", "127.0.0.1:8080"], serverEnv);
    assert.equal(badUrl.code, 1);
    assert.match(badUrl.err, /--url 127\.0\.0\.1:8080: must be http:\/\/HOST:PORT/);
  });

  it("accounts delete: refused with trunks, --force deletes them; the server refuses its key at once", async () => {
    const sid = OTHER_SID();
    const issued = await server().runtime.services.accounts.create({ sid, apiKey: `${sid}_key`, apiToken: "doomedtoken1234567" });
    const env = { ...serverEnv, TRUNKLINE_ACCOUNT: sid, TRUNKLINE_API_KEY: issued.apiKey, TRUNKLINE_API_TOKEN: issued.apiToken };
    await ok(env, "trunks", "create", "--name", "doomed");
    const refused = await runCli(["accounts", "delete", "--sid", sid], storeEnv);
    assert.equal(refused.code, 1);
    assert.match(refused.err, new RegExp(`^error: account ${sid} has 1 trunks \\(tr\\w+, \\.\\.\\.\\): delete them first, or pass --force`));
    assert.equal((await ok<Obj[]>(env, "trunks", "list")).length, 1);
    assert.deepEqual(await ok(storeEnv, "accounts", "delete", "--sid", sid, "--force"), { sid, deleted: true, trunks_deleted: 1 });
    const after = await runCli(["trunks", "list"], env);
    assert.equal(after.err, "error: Invalid API key or token (1010 Authorization failed)\n");
    const again = await runCli(["accounts", "delete", "--sid", sid], storeEnv);
    assert.equal(again.code, 1);
    assert.equal(again.err, `error: Account '${sid}' does not exist\n`);
  });
}, { TRUNKLINE_SECRET_KEY: SECRET });
