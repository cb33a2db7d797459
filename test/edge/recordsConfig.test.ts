import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { edgeOptions } from "../../src/edge/config.js";
import { CALL_COLUMNS, HOP_COLUMNS, WRITTEN_TABLES } from "../../src/edge/projection.js";
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
    const once = (queries: string[]) =>
      `\tif ($var(rec_ready) != 1) {\n${queries.map((q) => `\t\tsql_query("rec", "${q}");\n`).join("")}\t\t$var(rec_ready) = 1;\n\t}\n\tif (!sql_query("rec", "$var(q)"))`;
    assert.ok(sqlite.includes(once(["PRAGMA busy_timeout = 5000", "PRAGMA synchronous = NORMAL"])), "SQLite: pragmas once per process, then the INSERT");
    assert.equal(sqlite.match(/PRAGMA busy_timeout/g)?.length, 1);
    const pg = renderConfig(edgeOptions(loadConfig({ DATABASE_URL: "postgres://u@127.0.0.1:5432/test" }), {}));
    assert.match(pg, /^modparam\("sqlops", "sqlcon", "rec=>postgres:\/\/u@127\.0\.0\.1:5432\/test"\)$/m);
    assert.doesNotMatch(pg, /busy_timeout/);
    assert.ok(pg.includes(once(["SET synchronous_commit = off"])), "PostgreSQL: no WAL flush per record, set once per process");
    assert.match(pg, /^\tif \(!sql_query\("rec", "\$var\(q\)"\)\) xlog\("L_ERR", "trunkline-edge: call record \$var\(sid\) not written\\n"\);$/m);
  });

  it("recordCalls false (bench:edge's baseline) keeps the bookkeeping and writes nothing", () => {
    const off = renderConfig({ ...options(), recordCalls: false });
    assert.doesNotMatch(off, /sql_query/);
    assert.match(off, /^route\[REC_WRITE\] \{\n\t# Call records off \(a benchmark's baseline\)\.\n\treturn;\n\}$/m);
  });
});
