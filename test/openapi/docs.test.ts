import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startServer, type TestServer } from "../helpers/server.js";

const CHROMIUM = "/usr/bin/chromium";

/**
 * Headless Chromium (Debian's `chromium`) on a page; every host but the test server's unreachable,
 * so a page that needs a CDN fails here. Returns what Chromium printed on stdout.
 */
function chromium(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`chromium exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.equal(png.subarray(1, 4).toString("latin1"), "PNG", "not a PNG");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe("/docs (Swagger UI) in headless Chromium", () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    if (!existsSync(CHROMIUM)) assert.fail(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; npm test's pretest does it)`);
    dir = mkdtempSync(join(tmpdir(), "trunkline-docs-"));
    server = await startServer("sqlite");
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("renders offline from the server's own assets and lists every operation of both dialects", async () => {
    const doc = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    const operationIds = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    assert.ok(operationIds.length >= 30, `only ${operationIds.length} operations`);

    // The page's copy names this server first, so "Try it out" calls it.
    const shown = (await (await fetch(`${server.baseUrl}/docs/json`)).json()) as { servers: { url: string }[]; paths: object };
    assert.equal(shown.servers[0]?.url, server.baseUrl);
    assert.deepEqual(shown.paths, doc.paths);

    // One Chromium run prints the rendered DOM and takes the screenshot.
    const shot = join(dir, "docs.png");
    const dom = await chromium(["--virtual-time-budget=15000", "--window-size=1280,2400", `--screenshot=${shot}`, "--dump-dom", `${server.baseUrl}/docs`]);
    // Swagger UI drew the document: its title, each tag, each operation (ids are displayed).
    assert.ok(dom.includes('<h1 class="title">trunkline'), "Swagger UI did not draw the document's title");
    for (const tag of ["Exotel v2: trunks", "Exotel v1: call details", "Carrier: SIP trunks", "Carrier: phone calls"]) assert.ok(dom.includes(tag), `tag ${tag} not on the page`);
    assert.deepEqual(
      operationIds.filter((id) => !dom.includes(`>${id}<`)),
      [],
      "operations missing from the page",
    );
    const blocks = dom.match(/class="opblock opblock-(get|post|put|patch|delete)/g) ?? [];
    assert.equal(blocks.length, operationIds.length);

    const png = readFileSync(shot);
    assert.deepEqual(pngSize(png), { width: 1280, height: 2400 });
    // A blank or error page compresses to a few KB; the rendered operation list does not.
    assert.ok(png.length > 40_000, `screenshot is ${png.length} bytes: the page looks empty`);
  });
});
