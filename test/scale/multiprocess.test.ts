import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  awaitRoomInWindow,
  basicAuth,
  cli,
  createPgSchema,
  dropRedisPrefix,
  freePort,
  PG_URL,
  REDIS_URL,
  request,
  requirePostgres,
  requireRedis,
  SECRET_KEY,
  sleep,
  startServer,
  type JsonResponse,
  type ServerProcess,
} from "./harness.js";

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Several real API processes (`trunkline serve`) on one PostgreSQL schema and one Redis: the
 * invariants that must hold across processes, not just within one.
 */
describe("scale-out: several API processes on one PostgreSQL + Redis", () => {
  const PROCESSES = 3;
  const LIMIT = 200;
  const run = randomBytes(4).toString("hex");
  const prefix = `tltest:${run}:`;
  let dropSchema: (() => Promise<void>) | undefined;
  let env: NodeJS.ProcessEnv;
  const servers: ServerProcess[] = [];
  const extra: ServerProcess[] = [];
  const accounts = {
    race: { sid: "scale_race", key: `race_key_${run}`, token: `race_token_${run}_0123456789` },
    limit: { sid: "scale_limit", key: `limit_key_${run}`, token: `limit_token_${run}_0123456789` },
    spare: { sid: "scale_spare", key: `spare_key_${run}`, token: `spare_token_${run}_0123456789` },
  };
  const auth = (a: { key: string; token: string }) => basicAuth(a.key, a.token);

  before(async () => {
    await requirePostgres();
    await requireRedis();
    const { schema, drop } = await createPgSchema();
    dropSchema = drop;
    env = {
      ...process.env,
      DATABASE_URL: PG_URL,
      TRUNKLINE_PG_SCHEMA: schema,
      REDIS_URL,
      TRUNKLINE_REDIS_PREFIX: prefix,
      TRUNKLINE_RATE_LIMIT_PER_MINUTE: String(LIMIT),
      TRUNKLINE_SECRET_KEY: SECRET_KEY,
      LOG_LEVEL: "warn",
    };
    delete env.TRUNKLINE_DEMO;
    // The CLI applies the migrations once, before any server starts.
    for (const a of Object.values(accounts)) {
      const made = cli(env, "accounts", "create", "--sid", a.sid, "--api-key", a.key, "--api-token", a.token, "--json");
      assert.equal(made.status, 0, `accounts create failed: ${made.stderr}`);
    }
    // Each server is recorded as soon as it is up: when one of them fails to start, the others
    // are still stopped by the after hook (Promise.all would have dropped them).
    const started = await Promise.allSettled(Array.from({ length: PROCESSES }, () => startServer(env)));
    for (const s of started) if (s.status === "fulfilled") servers.push(s.value);
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
  });

  after(async () => {
    // Every process is stopped and the schema dropped even when a stop fails.
    await Promise.allSettled([...servers, ...extra].map((s) => s.stop()));
    await dropSchema?.();
    await dropRedisPrefix(prefix).catch(() => undefined);
  });

  /** Fires all requests at once, round-robin over the processes. */
  const burst = (n: number, send: (server: ServerProcess, i: number) => Promise<JsonResponse>) => Promise.all(Array.from({ length: n }, (_, i) => send(servers[i % servers.length] as ServerProcess, i)));

  it("every process is ready, on the shared store and the shared rate limiter", async () => {
    for (const s of servers) {
      const r = await request(s.base, "GET", "/readyz");
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.checks, { store: "ok", rate_limiter: "ok", edges: "absent" });
    }
  });

  it("concurrent creates of one trunk name from every process: exactly one 200, the others 409 / 1002", async () => {
    for (const name of ["race_one", "race_two", "race_three"]) {
      const results = await burst(12, (s) =>
        request(s.base, "POST", `/v2/accounts/${accounts.race.sid}/trunks`, auth(accounts.race), { trunk_name: name, nso_code: "ANY-ANY", domain_name: "race.pstn.exotel.com" }),
      );
      const statuses = results.map((r) => r.status).sort();
      assert.equal(statuses.filter((s) => s === 200).length, 1, `statuses for ${name}: ${statuses.join(",")}`);
      for (const r of results.filter((x) => x.status !== 200)) {
        assert.equal(r.status, 409, JSON.stringify(r.body));
        assert.equal(r.body.response?.error_data?.code, 1002);
      }
    }
    // And the store holds each name once, whichever process is asked.
    const list = await request((servers[1] as ServerProcess).base, "GET", `/v2/accounts/${accounts.race.sid}/trunks?page_size=100`, auth(accounts.race));
    const names = (list.body.response?.data as { trunk_name: string }[]).map((t) => t.trunk_name).sort();
    assert.deepEqual(names, ["race_one", "race_three", "race_two"]);
  });

  it("concurrent maps of one phone number from every process, to two trunks: exactly one succeeds", async () => {
    const trunkSids: string[] = [];
    for (const [i, name] of ["map_a", "map_b"].entries()) {
      const s = servers[i % servers.length] as ServerProcess;
      const r = await request(s.base, "POST", `/v2/accounts/${accounts.race.sid}/trunks`, auth(accounts.race), { trunk_name: name, nso_code: "ANY-ANY", domain_name: "race.pstn.exotel.com" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      trunkSids.push((r.body.response?.data as { trunk_sid: string }).trunk_sid);
    }
    for (const number of ["+919812345670", "+919812345671"]) {
      const results = await burst(12, (s, i) => request(s.base, "POST", `/v2/accounts/${accounts.race.sid}/trunks/${trunkSids[i % 2]}/phone-numbers`, auth(accounts.race), { phone_number: number }));
      const notRouted = results.find((r) => r.status === 404 && /No such endpoint/.test(r.body.response?.error_data?.description ?? ""));
      assert.equal(notRouted, undefined, "POST /v2/accounts/{sid}/trunks/{trunk_sid}/phone-numbers is not implemented yet (src/dialects/exotel/routes)");
      const statuses = results.map((r) => r.status).sort();
      assert.equal(statuses.filter((s) => s === 200).length, 1, `statuses for ${number}: ${statuses.join(",")}`);
      for (const r of results.filter((x) => x.status !== 200)) {
        assert.equal(r.status, 409, JSON.stringify(r.body));
        assert.equal(r.body.response?.error_data?.code, 1002);
      }
      // The number is on exactly one of the two trunks.
      let held = 0;
      for (const sid of trunkSids) {
        const list = await request((servers[2] as ServerProcess).base, "GET", `/v2/accounts/${accounts.race.sid}/trunks/${sid}/phone-numbers`, auth(accounts.race));
        assert.equal(list.status, 200, JSON.stringify(list.body));
        held += (list.body.response?.data as { phone_number: string }[]).filter((p) => p.phone_number === number).length;
      }
      assert.equal(held, 1);
    }
  });

  it(`the per-account limit (${LIMIT}/min) holds across processes: of 300 requests spread over all of them, exactly ${LIMIT} pass`, async () => {
    // All 300 must land in one window (the window turns on the minute, on Redis's clock).
    await awaitRoomInWindow(15);
    const results: JsonResponse[] = [];
    const TOTAL = 300;
    let next = 0;
    // 30 in flight at a time, round-robin over the processes.
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        for (let i = next++; i < TOTAL; i = next++) {
          const s = servers[i % servers.length] as ServerProcess;
          results.push(await request(s.base, "GET", `/v2/accounts/${accounts.limit.sid}/trunks`, auth(accounts.limit)));
        }
      }),
    );
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    assert.equal(ok.length, LIMIT, `allowed ${ok.length}, refused ${refused.length}, other: ${results.filter((r) => r.status !== 200 && r.status !== 429).map((r) => r.status).join(",")}`);
    assert.equal(refused.length, TOTAL - LIMIT);
    for (const r of refused) {
      assert.equal(r.body.response?.error_data?.code, 1030);
      assert.equal(r.headers.get("x-ratelimit-limit"), String(LIMIT));
      assert.equal(r.headers.get("x-ratelimit-remaining"), "0");
      const retry = Number(r.headers.get("retry-after"));
      assert.ok(retry >= 1 && retry <= 60, `retry-after ${retry}`);
    }
    // Every allowed request saw a distinct remaining count: one counter, not one per process.
    const remaining = ok.map((r) => Number(r.headers.get("x-ratelimit-remaining"))).sort((a, b) => a - b);
    assert.deepEqual(remaining, Array.from({ length: LIMIT }, (_, i) => i));
    // Another account's budget is untouched.
    const other = await request((servers[0] as ServerProcess).base, "GET", `/v2/accounts/${accounts.spare.sid}/trunks`, auth(accounts.spare));
    assert.equal(other.status, 200);
  });

  it("with Redis unreachable a process still serves, fails open, says 'degraded' on /readyz and /metrics, and logs the outage once", async () => {
    const closedPort = await freePort();
    const s = await startServer({ ...env, REDIS_URL: `redis://127.0.0.1:${closedPort}` });
    extra.push(s);
    const ready = await request(s.base, "GET", "/readyz");
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { store: "ok", rate_limiter: "degraded", edges: "absent" });
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      const r = await request(s.base, "GET", `/v2/accounts/${accounts.spare.sid}/trunks`, auth(accounts.spare));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.headers.get("x-ratelimit-limit"), String(LIMIT));
    }
    assert.ok(Date.now() - started < 5000, `20 requests took ${Date.now() - started} ms with Redis down`);
    const metrics = await fetch(`${s.base}/metrics`).then((r) => r.text());
    assert.match(metrics, /^trunkline_rate_limiter_degraded 1$/m);
    assert.match(metrics, /^trunkline_rate_limiter_fail_open_total (\d+)$/m);
    assert.ok(Number(/^trunkline_rate_limiter_fail_open_total (\d+)$/m.exec(metrics)?.[1]) >= 20);
    assert.match(metrics, /^trunkline_http_responses_total\{code="200"\} \d+$/m);
    await sleep(1500); // reconnect attempts go on in the background; still one warning
    const warnings = s.output().split("\n").filter((l) => /Redis unreachable/.test(l));
    assert.equal(warnings.length, 1, s.output());
  });

  it("when Redis dies mid-run requests keep flowing; when it is back, limits are enforced again", async () => {
    const which = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
    assert.equal(which.status, 0, "this test starts its own redis-server (Debian package redis-server) and could not run it");
    const port = await freePort();
    let redis: ChildProcess | undefined;
    const startRedis = async () => {
      redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
      for (let i = 0; i < 50; i++) {
        await sleep(100);
        if (await listening(port)) return;
      }
      throw new Error("redis-server did not start");
    };
    const stopRedis = () =>
      new Promise<void>((resolve) => {
        if (!redis || redis.exitCode !== null) return resolve();
        redis.once("exit", () => resolve());
        redis.kill("SIGKILL");
      });
    try {
      await startRedis();
      const s = await startServer({ ...env, REDIS_URL: `redis://127.0.0.1:${port}`, TRUNKLINE_RATE_LIMIT_PER_MINUTE: "1000", LOG_LEVEL: "info" });
      extra.push(s);
      const waitFor = async (want: string) => {
        for (let i = 0; i < 60; i++) {
          const r = await request(s.base, "GET", "/readyz");
          if ((r.body.checks as Record<string, string>).rate_limiter === want) return;
          await sleep(100);
        }
        assert.fail(`rate_limiter never became ${want}:\n${s.output()}`);
      };
      await waitFor("ok");
      await awaitRoomInWindow(12);
      const remaining = async () => {
        const r = await request(s.base, "GET", `/v2/accounts/${accounts.spare.sid}/trunks`, auth(accounts.spare));
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return Number(r.headers.get("x-ratelimit-remaining"));
      };
      const a = await remaining();
      assert.equal(await remaining(), a - 1, "counted in Redis");
      await stopRedis();
      await waitFor("degraded");
      for (let i = 0; i < 5; i++) assert.equal(await remaining(), 1000, "failing open: not counted");
      await startRedis();
      await waitFor("ok");
      const b = await remaining();
      assert.equal(await remaining(), b - 1, "counted again after Redis came back");
      assert.equal(s.output().split("\n").filter((l) => /Redis unreachable/.test(l)).length, 1, s.output());
      assert.equal(s.output().split("\n").filter((l) => /Redis reachable again/.test(l)).length, 1, s.output());
    } finally {
      await stopRedis();
    }
  });
});
