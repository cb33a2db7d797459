import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { MemoryRateLimiter } from "../../src/http/rateLimit.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import { basicAuth, send } from "../helpers/client.js";
import { describeOnEngines } from "../helpers/server.js";

/**
 * `trunkline accounts rotate-token` runs in its own process on the same store: a running server
 * must refuse the old token on the very next request (SQLite) or as soon as PostgreSQL's NOTIFY
 * reaches it (milliseconds), although it caches authentications.
 */
describeOnEngines("Token rotated by another process", (server) => {
  let cli: Runtime;
  before(async () => {
    const { config, store } = server().runtime;
    // What the CLI's accounts command opens: the same store, no demo, its own process state.
    cli = await openRuntime(loadConfig({ DATABASE_URL: config.databaseUrl, TRUNKLINE_SECRET_KEY: config.secretKey as string }), {
      store: { pgSchema: store.pgSchema },
      limiter: new MemoryRateLimiter(1),
    });
  });
  after(async () => {
    await cli?.close();
  });

  const exotel = (key: string, token: string, sid: string) => send(`${server().baseUrl}/v2/accounts/${sid}/trunks`, "GET", { headers: { authorization: basicAuth(key, token) } });
  const carrier = (token: string) => send(`${server().baseUrl}/carrier/v1/sip_trunks`, "GET", { headers: { authorization: `Bearer ${token}` } });

  it("the old token is refused on the next request through both APIs; the new one works at once", async () => {
    // The server does cache authentications (one check per request instead of a query)...
    assert.equal(server().runtime.services.ctx.accountChanges?.live, true, "the store's change watch is live");
    for (let round = 0; round < 5; round++) {
      const sid = `rotated_${round}`;
      const issued = await server().runtime.services.accounts.create({ sid });
      // Warm the server's cache with the token.
      for (let i = 0; i < 3; i++) {
        assert.equal((await exotel(issued.apiKey, issued.apiToken, sid)).status, 200);
        assert.equal((await carrier(issued.apiToken)).status, 200);
      }
      const rotated = await cli.services.accounts.rotateToken(sid);
      if (server().engine === "sqlite") {
        assert.equal((await exotel(issued.apiKey, issued.apiToken, sid)).status, 401, `round ${round}: old token, Exotel`);
      } else {
        // PostgreSQL tells the server by NOTIFY, which arrives on its own connection a moment
        // later: the stated bound is "as soon as it arrives" (milliseconds), well under a second
        // here — the cache's own lifetime (3 s) is what an unfixed server would take.
        const started = Date.now();
        while ((await exotel(issued.apiKey, issued.apiToken, sid)).status !== 401) {
          assert.ok(Date.now() - started < 1000, `round ${round}: old token still accepted after 1 s`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      assert.equal((await exotel(issued.apiKey, issued.apiToken, sid)).status, 401, `round ${round}: old token, Exotel`);
      assert.equal((await carrier(issued.apiToken)).status, 401, `round ${round}: old token, carrier`);
      assert.equal((await exotel(issued.apiKey, rotated.apiToken, sid)).status, 200);
      assert.equal((await carrier(rotated.apiToken)).status, 200);
    }
  });

  it("a change by this process (rotation here, or a re-run of the demo's ensure elsewhere) is seen as well", async () => {
    const sid = "rotated_here";
    const issued = await server().runtime.services.accounts.create({ sid });
    assert.equal((await carrier(issued.apiToken)).status, 200);
    const rotated = await server().runtime.services.accounts.rotateToken(sid);
    assert.equal((await carrier(issued.apiToken)).status, 401);
    assert.equal((await carrier(rotated.apiToken)).status, 200);
    // Another process resets the account's credentials to given ones (what --demo does on start).
    await cli.services.accounts.ensure(sid, issued.apiKey, "a-token-set-elsewhere");
    const started = Date.now();
    while ((await carrier(rotated.apiToken)).status !== 401) assert.ok(Date.now() - started < 1000, "rotated token still accepted after 1 s");
    assert.equal((await exotel(issued.apiKey, "a-token-set-elsewhere", sid)).status, 200);
  });
});
