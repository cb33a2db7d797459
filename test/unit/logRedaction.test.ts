import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { loadConfig } from "../../src/config.js";
import { redactUrl } from "../../src/http/redactUrl.js";
import { buildServer } from "../../src/http/server.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import { basicAuth, send } from "../helpers/client.js";
import { openStoreFixture, type StoreFixture } from "../helpers/stores.js";

describe("redactUrl", () => {
  it("replaces the values of credential-like query parameters and URL userinfo, keeps the rest byte for byte", () => {
    const cases: [string, string][] = [
      ["/v2/accounts/a/trunks?token=s3cret&offset=0", "/v2/accounts/a/trunks?token=[REDACTED]&offset=0"],
      ["/x?api_token=1&access_token=2&key=3&password=4&auth=5&API-KEY=6&client_secret=7&page[size]=5", "/x?api_token=[REDACTED]&access_token=[REDACTED]&key=[REDACTED]&password=[REDACTED]&auth=[REDACTED]&API-KEY=[REDACTED]&client_secret=[REDACTED]&page[size]=5"],
      ["/x?%74oken=abc&name=token", "/x?%74oken=[REDACTED]&name=token"],
      ["/x?my_token=abc&tokens_left=3", "/x?my_token=[REDACTED]&tokens_left=3"],
      ["http://user:pass@127.0.0.1:8080/healthz?token=t", "http://[REDACTED]@127.0.0.1:8080/healthz?token=[REDACTED]"],
      ["/x?token", "/x?token"],
      ["/x?bad=%E0%A4%A&token=%zz", "/x?bad=%E0%A4%A&token=[REDACTED]"],
      ["/plain/path", "/plain/path"],
    ];
    for (const [url, logged] of cases) assert.equal(redactUrl(url), logged, url);
  });
});

/** Access-log lines of a real server: tokens sent in the URL are refused and never logged. */
describe("access log redaction", () => {
  let store: StoreFixture;
  let runtime: Runtime;
  let app: FastifyInstance;
  let base = "";
  const lines: string[] = [];

  before(async () => {
    store = await openStoreFixture("sqlite");
    runtime = await openRuntime(loadConfig({ DATABASE_URL: store.databaseUrl, TRUNKLINE_SECRET_KEY: randomBytes(32).toString("hex"), TRUNKLINE_DEMO: "1" }), { demoSamples: false });
    app = await buildServer(runtime, { level: "info", stream: { write: (line: string) => lines.push(line) } });
    await app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app?.close();
    await runtime?.close();
    await store?.dispose();
  });

  /** A request in absolute form with userinfo, as a proxy-minded client could send it. */
  function absoluteForm(path: string): Promise<string> {
    const { port } = app.server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.end(`GET http://user:USERINFO-SECRET@127.0.0.1:${port}${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
      let data = "";
      socket.on("data", (d: Buffer) => (data += d.toString()));
      socket.on("end", () => resolve(data));
      socket.on("error", reject);
    });
  }

  it("no credential from a URL reaches the log; the rest of the URL does", async () => {
    const exotel = await send(`${base}/v2/accounts/exoteltest/trunks?api_token=QUERY-SECRET-1&access_token=QUERY-SECRET-2&offset=0`, "GET");
    assert.equal(exotel.status, 401);
    const carrier = await send(`${base}/carrier/v1/sip_trunks?token=QUERY-SECRET-3&key=QUERY-SECRET-4&password=QUERY-SECRET-5&auth=QUERY-SECRET-6&page[size]=5`, "GET");
    assert.equal(carrier.status, 401);
    const authorized = await send(`${base}/v2/accounts/exoteltest/trunks?token=QUERY-SECRET-7`, "GET", { headers: { authorization: basicAuth("exoteltest", "a1b2c3d4e5f6g7h8i9j0") } });
    assert.equal(authorized.status, 200);
    assert.match(await absoluteForm("/healthz?token=QUERY-SECRET-8"), /^HTTP\/1.1 200/);
    await app.close(); // flushes every line
    const text = lines.join("");
    assert.doesNotMatch(text, /SECRET/);
    // The test client's response check reads /openapi.json from the server once: not one of ours.
    const urls = lines.map((l) => JSON.parse(l) as { req?: { url?: string } }).flatMap((l) => (l.req?.url && l.req.url !== "/openapi.json" ? [l.req.url] : []));
    assert.deepEqual(urls, [
      "/v2/accounts/exoteltest/trunks?api_token=[REDACTED]&access_token=[REDACTED]&offset=0",
      "/carrier/v1/sip_trunks?token=[REDACTED]&key=[REDACTED]&password=[REDACTED]&auth=[REDACTED]&page[size]=5",
      "/v2/accounts/exoteltest/trunks?token=[REDACTED]",
      `http://[REDACTED]@127.0.0.1:${new URL(base).port}/healthz?token=[REDACTED]`,
    ]);
  });
});
