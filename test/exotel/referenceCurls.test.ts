import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseCurl, sendCurl } from "../helpers/curl.js";
import { startServer } from "../helpers/server.js";
import { ENGINES } from "../helpers/stores.js";

/** The reference itself (read-only, beside the clone: ../shared/specs). */
const SPEC = join(import.meta.dirname, "../../../shared/specs/exotel-sip-trunking-v2.md");

interface Example {
  /** The `## ...` or `# ...` heading it stands under, for messages. */
  section: string;
  script: string;
  /** The status of the section's "Success Response (NNN ...)"; 200 where none is shown. */
  status: number;
}

/** Every ```bash block of the reference, in document order. */
function examples(): Example[] {
  if (!existsSync(SPEC)) throw new Error(`The Exotel reference is missing at ${SPEC}: the shared specs must sit beside the clone (../shared/specs)`);
  const lines = readFileSync(SPEC, "utf8").split("\n");
  const out: Example[] = [];
  let section = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^#{1,2} /.test(line)) section = line.replace(/^#+ /, "");
    if (line.trim() !== "```bash") continue;
    const body: string[] = [];
    for (i++; i < lines.length && (lines[i] as string).trim() !== "```"; i++) body.push(lines[i] as string);
    out.push({ section, script: body.join("\n"), status: 0 });
  }
  // The documented success status of each block: the first "Success Response (NNN" after it in its section.
  const text = lines.join("\n");
  let from = 0;
  for (const ex of out) {
    const at = text.indexOf(ex.script, from);
    from = at + ex.script.length;
    const nextSection = text.slice(from).search(/\n#{1,2} /);
    const rest = text.slice(from, nextSection < 0 ? undefined : from + nextSection);
    const shown = /Success Response \((\d{3})/.exec(rest);
    ex.status = shown ? Number(shown[1]) : 200;
  }
  return out;
}

/**
 * What the README promises: every curl line of the Exotel reference, in order, run as written
 * against `trunkline serve --demo` (host swapped for the server, https for http) gets the
 * reference's documented success status. The examples are alternatives (the PSTN and the Flow
 * mapping of one number), so each ```bash block runs on a fresh demo server; section 3 switches
 * "an existing phone number", so the number is first mapped by section 2's PSTN example, as the
 * reference's own order implies.
 */
for (const engine of ENGINES) {
  describe(`Every curl of the Exotel reference runs as written on a demo server [${engine}]`, () => {
    it("each block on a fresh demo server: every curl gets the documented success status", async () => {
      const all = examples();
      assert.equal(all.length, 18, "the reference's 18 ```bash blocks");
      assert.equal(all.flatMap((ex) => parseCurl(ex.script)).length, (readFileSync(SPEC, "utf8").match(/^curl /gm) ?? []).length, "every curl line of the reference");
      const mapPstn = all.find((ex) => ex.section.startsWith("2.") && ex.script.includes('"mode": "pstn"'));
      assert.ok(mapPstn, "section 2's PSTN example");
      for (const [index, ex] of all.entries()) {
        const server = await startServer(engine, {}, { demoSamples: true });
        try {
          const run: Example[] = ex.section.startsWith("3.") ? [mapPstn, ex] : [ex];
          for (const block of run) {
            for (const [n, req] of parseCurl(block.script).entries()) {
              const where = `block ${index + 1} (${block.section}), curl ${n + 1}: ${req.method} ${req.url.pathname}${req.url.search}`;
              const r = await sendCurl(req, server.baseUrl);
              assert.equal(r.status, block.status, `${where} → ${r.status} ${r.text}`);
              assert.equal(r.body.http_code, block.status, where);
              const items = Array.isArray(r.body.response) ? r.body.response : [r.body.response];
              for (const item of items) assert.equal(item.status, "success", `${where}: ${JSON.stringify(item)}`);
            }
          }
        } finally {
          await server.close();
        }
      }
    });

    it("the samples come back on every demo start, idempotently, and what the user changed is kept", async () => {
      const server = await startServer(engine, {}, { demoSamples: true });
      const { runtime } = server;
      try {
        const sample = "trmum1a2b3c4d5e6f7890123456";
        const list = async () => (await server.demo.request("GET", "/trunks")).body.response.data.map((t: { trunk_sid: string; trunk_name: string }) => `${t.trunk_sid} ${t.trunk_name}`);
        assert.deepEqual((await list()).sort(), ["trmum1a2b3c4d5e6f7890123456 sample_outbound", "trmum2b3c4d5e6f7890123457 sample_inbound", "trmum3c4d5e6f7890123458 sample_streamkit"]);
        const credentials = await server.demo.request("GET", `/trunks/${sample}/credentials`);
        assert.deepEqual({ ...credentials.body.response.data, id: undefined }, { username: sample, password: "Xk9mP2nQ4rS6tU8v", id: undefined });
        assert.match(credentials.body.response.data.id, /^\d+$/, "the pair carries its id (an extension)");
        // The user renames one sample and deletes another; a restart in demo mode keeps the rename and brings back the deleted one.
        assert.equal((await server.demo.request("PUT", `/trunks/${sample}`, { trunk_name: "my_renamed" })).status, 200);
        assert.equal((await server.demo.request("DELETE", "/trunks?trunk_sid=trmum2b3c4d5e6f7890123457")).status, 200);
        const { ensureDemoSamples } = await import("../../src/services/demoSamples.js");
        assert.deepEqual(await ensureDemoSamples(runtime.services, "exoteltest"), ["trmum2b3c4d5e6f7890123457"]);
        assert.deepEqual(await ensureDemoSamples(runtime.services, "exoteltest"), []);
        assert.deepEqual((await list()).sort(), ["trmum1a2b3c4d5e6f7890123456 my_renamed", "trmum2b3c4d5e6f7890123457 sample_inbound", "trmum3c4d5e6f7890123458 sample_streamkit"]);
      } finally {
        await server.close();
      }
    });
  });
}
