import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { edgeOptions } from "../../src/edge/config.js";
import { CALL_COLUMNS, HOP_COLUMNS, RECORD_STATS, WRITTEN_TABLES } from "../../src/edge/projection.js";
import { renderConfig, TEMPLATE_PATH } from "../../src/edge/render.js";

// What the edge writes is declared in projection.ts (WRITTEN_TABLES, CALL_COLUMNS, HOP_COLUMNS);
// records.test.ts checks the rows themselves against real calls.

const options = (env: NodeJS.ProcessEnv = {}) => edgeOptions(loadConfig({}), env);
const code = (cfg: string) =>
  cfg
    .split("\n")
    .filter((l) => !/^\s*#(?!!)/.test(l))
    .join("\n");

describe("call records in the edge's config", () => {
  it("the template inserts into exactly the tables projection.ts says the edge writes, with its column lists", () => {
    const template = code(readFileSync(TEMPLATE_PATH, "utf8"));
    const inserts = [...template.matchAll(/INSERT INTO (\w+) \(([^)]*)\)/g)].map((m) => `${m[1]} (${m[2]})`);
    assert.deepEqual([...new Set(inserts)].sort(), ["call_hops ({{HOP_COLUMNS}})", "calls ({{CALL_COLUMNS}})"]);
    assert.deepEqual(Object.keys(WRITTEN_TABLES).sort(), ["call_hops", "calls"]);
    const cfg = renderConfig(options());
    assert.ok(cfg.includes(`INSERT INTO calls (${CALL_COLUMNS.join(", ")}) VALUES`));
    assert.ok(cfg.includes(`INSERT INTO call_hops (${HOP_COLUMNS.join(", ")}) VALUES`));
  });

  it("the edge id in records is the SIP address the edge registers (the advertised one behind NAT)", () => {
    assert.match(renderConfig(options({ TRUNKLINE_EDGE_LISTEN: "10.0.0.5:5080" })), /'10\.0\.0\.5:5080', '" \+ \$avp\(c_ci\)/);
    assert.match(renderConfig(options({ TRUNKLINE_EDGE_ADVERTISE: "203.0.113.9:5090" })), /'203\.0\.113\.9:5090', '" \+ \$avp\(c_ci\)/);
  });

  it("writes through sqlops on the store's own URL, the connection set up once per process (SQLite: busy timeout, synchronous NORMAL)", () => {
    const sqlite = renderConfig(options());
    assert.match(sqlite, /^modparam\("sqlops", "sqlcon", "rec=>sqlite:\/\/\/.+"\)$/m);
    const once = (queries: string[]) => `route[REC_CONNECT] {\n\tif ($var(rec_ready) == 1) return;\n${queries.map((q) => `\tsql_query("rec", "${q}");\n`).join("")}\t$var(rec_ready) = 1;\n}`;
    assert.ok(sqlite.includes(once(["PRAGMA busy_timeout = 5000", "PRAGMA synchronous = NORMAL"])), "SQLite: pragmas once per process");
    assert.equal(sqlite.match(/PRAGMA busy_timeout/g)?.length, 1);
    assert.match(sqlite, /sql_query\("rec", "BEGIN IMMEDIATE"\)/);
    const pg = renderConfig(edgeOptions(loadConfig({ DATABASE_URL: "postgres://u@127.0.0.1:5432/test" }), {}));
    assert.match(pg, /^modparam\("sqlops", "sqlcon", "rec=>postgres:\/\/u@127\.0\.0\.1:5432\/test"\)$/m);
    assert.doesNotMatch(pg, /busy_timeout/);
    assert.ok(pg.includes(once(["SET synchronous_commit = off"])), "PostgreSQL: no WAL flush per record, set once per process");
    assert.match(pg, /sql_query\("rec", "BEGIN"\)/);
  });

  it("records are queued in shared memory and written by a timer every TRUNKLINE_CALL_RECORD_FLUSH_MS, the queue bounded by TRUNKLINE_CALL_RECORD_QUEUE_MAX", () => {
    const cfg = renderConfig(options());
    assert.match(cfg, /^modparam\("rtimer", "timer", "name=rec;interval=100000u;mode=1;"\)$/m);
    assert.match(cfg, /^modparam\("rtimer", "exec", "timer=rec;route=REC_FLUSH"\)$/m);
    const full = (max: number) => `\tif ($stat(${RECORD_STATS.queued}) >= ${max}) {\n`;
    assert.ok(cfg.includes(full(20000)));
    assert.match(cfg, /^\t\$var\(rec_wait\) = 10;$/m, "after a failed write, about a second");
    const tuned = renderConfig(options({ TRUNKLINE_CALL_RECORD_FLUSH_MS: "250", TRUNKLINE_CALL_RECORD_QUEUE_MAX: "500" }));
    assert.match(tuned, /interval=250000u;/);
    assert.ok(tuned.includes(full(500)));
    assert.match(tuned, /^\t\$var\(rec_wait\) = 4;$/m);
    assert.throws(() => options({ TRUNKLINE_CALL_RECORD_FLUSH_MS: "0" }), /TRUNKLINE_CALL_RECORD_FLUSH_MS must be a positive whole number/);
    assert.throws(() => options({ TRUNKLINE_CALL_RECORD_QUEUE_MAX: "many" }), /TRUNKLINE_CALL_RECORD_QUEUE_MAX must be a positive whole number/);
  });

  it("recordCalls false (bench:edge's baseline) keeps the bookkeeping and queues nothing", () => {
    const off = renderConfig({ ...options(), recordCalls: false });
    assert.match(off, /^route\[REC_QUEUE\] \{\n\t# Call records off \(a benchmark's baseline\)\.\n\treturn;\n/m);
    assert.doesNotMatch(renderConfig(options()), /Call records off/);
  });
});
