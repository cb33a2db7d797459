import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";

describe("TRUNKLINE_REGIONS", () => {
  it("defaults to a set holding every alias the specs use, ap-south-1 first (the Exotel default)", () => {
    const c = loadConfig({});
    assert.deepEqual(c.regions.regions.map((r) => r.alias), ["ap-south-1", "ap-southeast-1", "us-east-1"]);
    assert.equal(c.regions.default.alias, "ap-south-1");
  });

  it("reads inline JSON and a file path: alias, human name, SIP edge address (and optional sid code and flow URI)", () => {
    const regions = [
      { alias: "eu-west-1", name: "Europe (Ireland)", sipEdge: "sip.eu.example.net:5060" },
      { alias: "kh-pnh", name: "Phnom Penh", sipEdge: "10.1.1.1:5060", sidCode: "pnh", flowUri: "sip:app@10.1.1.2" },
    ];
    const inline = loadConfig({ TRUNKLINE_REGIONS: JSON.stringify(regions), TRUNKLINE_DEFAULT_REGION: "kh-pnh" });
    const dir = mkdtempSync(join(tmpdir(), "tl-regions-"));
    try {
      writeFileSync(join(dir, "regions.json"), JSON.stringify(regions));
      const fromFile = loadConfig({ TRUNKLINE_REGIONS: join(dir, "regions.json") });
      for (const c of [inline, fromFile]) {
        assert.equal(c.regions.get("eu-west-1")?.name, "Europe (Ireland)");
        assert.equal(c.regions.get("eu-west-1")?.sipEdge, "sip.eu.example.net:5060");
        assert.equal(c.regions.get("eu-west-1")?.sidCode, "euw");
        assert.equal(c.regions.get("kh-pnh")?.flowUri, "sip:app@10.1.1.2");
        assert.equal(c.regions.has("us-east-1"), false);
      }
      assert.equal(inline.regions.default.alias, "kh-pnh");
      assert.equal(fromFile.regions.default.alias, "eu-west-1");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses what it cannot use, saying why", () => {
    assert.throws(() => loadConfig({ TRUNKLINE_REGIONS: "[{" }), /TRUNKLINE_REGIONS must be a JSON array/);
    assert.throws(() => loadConfig({ TRUNKLINE_REGIONS: "/nonexistent/regions.json" }), /TRUNKLINE_REGIONS must be a JSON array or the path of a file/);
    assert.throws(() => loadConfig({ TRUNKLINE_REGIONS: "[]" }), /non-empty/);
    assert.throws(() => loadConfig({ TRUNKLINE_REGIONS: '[{"name":"x"}]' }), /alias is required/);
    assert.throws(() => loadConfig({ TRUNKLINE_DEFAULT_REGION: "mars" }), /default region 'mars' is not configured/);
  });
});
