import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildConsole } from "../../scripts/build-console.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { ENGINES } from "../helpers/stores.js";

// Issue 15: how /console is served — the built files with a strict CSP, and a 503 naming the build
// command when there is nothing built. Plain HTTP; the browser tests are trunks.test.ts and calls.test.ts.

const NO_FETCH_REDIRECT = { redirect: "manual" } as const;

function assertHardened(res: Response, what: string): void {
  const csp = res.headers.get("content-security-policy") ?? "";
  for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'none'", "object-src 'none'", "base-uri 'none'"]) {
    assert.ok(csp.split("; ").includes(directive), `${what}: CSP lacks ${directive}: ${csp}`);
  }
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/, `${what}: CSP allows more than this origin`);
  assert.equal(res.headers.get("x-content-type-options"), "nosniff", what);
  assert.equal(res.headers.get("referrer-policy"), "no-referrer", what);
}

for (const engine of ENGINES) {
  describe(`console serving [${engine}]`, () => {
    let built: TestServer;
    let unbuilt: TestServer;
    let dir: string;
    let empty: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "trunkline-console-serve-"));
      empty = mkdtempSync(join(tmpdir(), "trunkline-console-empty-"));
      await buildConsole(dir);
      built = await startServer(engine, { TRUNKLINE_CONSOLE_DIR: dir });
      unbuilt = await startServer(engine, { TRUNKLINE_CONSOLE_DIR: empty });
    });
    after(async () => {
      await built?.close();
      await unbuilt?.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(empty, { recursive: true, force: true });
    });

    it("redirects /console to /console/ and serves the page with a strict CSP", async () => {
      const redirect = await fetch(`${built.baseUrl}/console`, NO_FETCH_REDIRECT);
      assert.ok([301, 302].includes(redirect.status), `GET /console answered ${redirect.status}`);
      assert.equal(new URL(redirect.headers.get("location") ?? "", built.baseUrl).pathname, "/console/");

      const page = await fetch(`${built.baseUrl}/console/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
      assertHardened(page, "/console/");
      const html = await page.text();
      // Only external scripts and stylesheets (an inline one would be refused by the CSP anyway).
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      assert.deepEqual(scripts, ['<script type="module" src="main.js">']);
      assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, "inline style or handler in index.html");
      assert.match(html, /<link rel="stylesheet" href="main.css" \/>/);
    });

    it("serves the bundled assets from this origin with the same headers", async () => {
      for (const [file, type] of [["main.js", /javascript/], ["main.css", /text\/css/]] as const) {
        const res = await fetch(`${built.baseUrl}/console/${file}`);
        assert.equal(res.status, 200, file);
        assert.match(res.headers.get("content-type") ?? "", type, file);
        assertHardened(res, file);
        const body = await res.text();
        assert.ok(body.length > 1000, `${file} is ${body.length} bytes`);
        // Offline: nothing fetched from another host at run time.
        assert.doesNotMatch(body, /https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}\/[^\s"'`]*\.(js|css|woff2?)\b/i, `${file} loads from a CDN`);
      }
      assert.equal((await fetch(`${built.baseUrl}/console/nope.js`)).status, 404);
    });

    it("keeps /console out of the API description", async () => {
      const doc = (await (await fetch(`${built.baseUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
      assert.deepEqual(Object.keys(doc.paths).filter((p) => p.startsWith("/console")), []);
    });

    it("answers 503 naming the build command when the console is not built", async () => {
      for (const path of ["/console", "/console/", "/console/main.js"]) {
        const res = await fetch(`${unbuilt.baseUrl}${path}`, NO_FETCH_REDIRECT);
        assert.equal(res.status, 503, path);
        assert.match(await res.text(), /npm run build:console/, path);
      }
      // The APIs are unaffected.
      assert.equal((await fetch(`${unbuilt.baseUrl}/v2/accounts/exoteltest/trunks`, { headers: { authorization: `Basic ${Buffer.from("exoteltest:a1b2c3d4e5f6g7h8i9j0").toString("base64")}` } })).status, 200);
    });
  });
}
