import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { edgeOptions } from "../../src/edge/config.js";
import {
  COUNTRY_KEYS,
  HTABLES,
  MEMORY_HTABLES,
  NAME_PLACEHOLDERS,
  RECORD_STATS,
  SHARED_VARS,
  SIP_SOCKET_NAMES,
  STATIC_HTABLES,
  TABLES,
  TRUNK_KEYS,
  VIEWS,
} from "../../src/edge/projection.js";
import { renderConfig, TEMPLATE_PATH } from "../../src/edge/render.js";

/**
 * The edge contract can't drift: every table, view and htable the Kamailio template names is
 * declared in src/edge/projection.ts, and everything declared there is read by the template.
 */

// Comments name views in prose ("views of migration 002_edge"): only configuration and code count.
const raw = readFileSync(TEMPLATE_PATH, "utf8");
const template = raw
  .split("\n")
  .filter((line) => !/^\s*#(?!!)/.test(line))
  .join("\n");
const all = (re: RegExp, text = template) => new Set([...text.matchAll(re)].map((m) => m[1] as string));
const sorted = (s: Iterable<string>) => [...s].sort();

describe("the edge contract (src/edge/projection.ts) and the Kamailio template agree", () => {
  const declaredHtables = { ...HTABLES, ...STATIC_HTABLES } as Record<string, { view: string }>;

  it("htables: each one the template declares is in the projection, loaded from the view it names, and vice versa", () => {
    const decls = [...template.matchAll(/modparam\("htable",\s*"htable",\s*"(\w+)=>([^"]*)"\)/g)].map((m) => ({ name: m[1] as string, view: /dbtable=(\w+)/.exec(m[2] as string)?.[1] }));
    assert.deepEqual(sorted(decls.filter((d) => d.view).map((d) => `${d.name}=>${d.view}`)), sorted(Object.entries(declaredHtables).map(([n, h]) => `${n}=>${h.view}`)));
    assert.deepEqual(sorted(decls.filter((d) => !d.view).map((d) => d.name)), sorted(Object.keys(MEMORY_HTABLES)), "memory-only htables (no dbtable) are named in MEMORY_HTABLES");
  });

  it("htables: every table the script reads or writes ($sht, $shtex, sht_* functions) is declared", () => {
    const used = new Set([...all(/\$\(?sht[a-z]*\((\w+)=>/g), ...all(/\bsht_[a-z]+\("(\w+)/g)]);
    const declared = new Set([...Object.keys(declaredHtables), ...Object.keys(MEMORY_HTABLES)]);
    assert.deepEqual(sorted([...used].filter((n) => !declared.has(n))), [], "used in the template, not declared in projection.ts");
    assert.deepEqual(sorted([...declared].filter((n) => !used.has(n))), [], "declared in projection.ts, never read by the template");
  });

  it("trunk and country keys: every `::<key>` the script looks up is declared, and every declared key is looked up", () => {
    const trunkKeys = all(/sht\(trunks=>\$var\(\w+\)::(\w+)\)/g);
    assert.deepEqual(sorted(trunkKeys), sorted(Object.keys(TRUNK_KEYS)));
    const countryKeys = all(/sht\(countries=>\$var\(\w+\)::(\w+)\)/g);
    assert.deepEqual(sorted(countryKeys), sorted(Object.keys(COUNTRY_KEYS)));
  });

  it("views and tables: every edge_* name in the template is a view of the projection (or a table it declares), and every view is read", () => {
    const named = all(/\b(edge_[a-z_]+)\b/g);
    const views = new Set(VIEWS.map((v) => v.name));
    const known = new Set([...views, ...Object.keys(TABLES)]);
    assert.deepEqual(sorted([...named].filter((n) => !known.has(n))), [], "named in the template, not declared in projection.ts");
    assert.deepEqual(sorted([...views].filter((v) => !named.has(v) && !Object.values(declaredHtables).some((h) => h.view === v))), [], "views nothing reads");
    // The module parameters that take a table: each names a view of the projection.
    for (const [param, module] of [
      ["address_table", "permissions"],
      ["table_name", "dispatcher"],
    ] as const) {
      const value = new RegExp(`modparam\\("${module}",\\s*"${param}",\\s*"(\\w+)"\\)`).exec(template)?.[1];
      assert.ok(value && views.has(value), `${module} ${param} = ${value} is a view of the projection`);
      assert.equal(VIEWS.find((v) => v.name === value)?.module, module);
    }
    // auth_db takes its table per call.
    for (const table of all(/(?:proxy_authenticate|www_authenticate|auth_check|is_subscriber)\([^)]*"(\w+)"\s*(?:,[^)]*)?\)/g)) {
      if (!table.startsWith("edge_")) continue;
      assert.equal(VIEWS.find((v) => v.name === table)?.module, "auth_db", `${table} is the auth_db view`);
    }
  });

  it("statistics, shared variables and socket names: the template writes each only through its placeholder, and uses every placeholder", () => {
    const names = [...Object.values(RECORD_STATS), ...Object.values(SHARED_VARS), ...Object.values(SIP_SOCKET_NAMES)];
    assert.deepEqual(sorted(Object.values(NAME_PLACEHOLDERS)), sorted(names), "every shared name has a placeholder");
    // Comments too: a name in prose goes stale as silently as one in code.
    const literal = names.filter((name) => new RegExp(`\\b${name}\\b`).test(raw));
    assert.deepEqual(literal, [], "written literally in the template: use its placeholder (NAME_PLACEHOLDERS)");
    const unused = Object.keys(NAME_PLACEHOLDERS).filter((p) => !template.includes(`{{${p}}}`));
    assert.deepEqual(unused, [], "placeholders the template never uses");
  });

  it("statistics and shared variables: the rendered config declares exactly the contract's, and reads and writes no others", () => {
    const cfg = renderConfig(edgeOptions(loadConfig({}), {}))
      .split("\n")
      .filter((line) => !/^\s*#(?!!)/.test(line))
      .join("\n");
    const stats = sorted(Object.values(RECORD_STATS));
    assert.deepEqual(sorted(all(/modparam\("statistics",\s*"variable",\s*"(\w+)[/"]/g, cfg)), stats, "declared (modparam statistics variable)");
    assert.deepEqual(sorted(new Set([...all(/\$stat\((\w+)\)/g, cfg), ...all(/update_stat\("(\w+)"/g, cfg)])), stats, "read ($stat) or counted (update_stat)");
    const shvs = sorted(Object.values(SHARED_VARS));
    assert.deepEqual(sorted(all(/modparam\("pv",\s*"shvset",\s*"(\w+)=/g, cfg)), shvs, "declared (modparam pv shvset)");
    assert.deepEqual(sorted(all(/\$shv\((\w+)\)/g, cfg)), shvs, "read ($shv)");
  });
});
