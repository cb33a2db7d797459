import assert from "node:assert/strict";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** Metric family name → its TYPE. */
  types: Map<string, string>;
  samples: Sample[];
  /** Samples of `name` whose labels include every pair of `labels`. */
  find(name: string, labels?: Record<string, string>): Sample[];
  /** The one sample of `name` with exactly these labels (fails if there is none). */
  value(name: string, labels?: Record<string, string>): number;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (-?(?:[0-9.]+(?:e[-+]?[0-9]+)?|\\+Inf|-Inf|[Nn]a[Nn]))(?: -?[0-9]+)?$`);
const PAIR = new RegExp(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`, "g");
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

/**
 * Parses the Prometheus text exposition format (version 0.0.4) strictly (NaN in any case, as
 * Prometheus reads it: prom-client writes `Nan`): every line is a HELP, a
 * TYPE, a blank line or a sample that matches the grammar; a TYPE comes once per family, before
 * its samples; label names are unique in a sample; histograms have cumulative buckets ending in
 * +Inf equal to _count. Any violation fails the test.
 */
export function parseExposition(text: string): Exposition {
  assert.ok(text.endsWith("\n"), "the exposition ends with a newline");
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split("\n")) {
    if (line === "") continue;
    if (line.startsWith("# HELP ")) {
      assert.match(line, new RegExp(`^# HELP ${NAME} `), `a HELP line: ${line}`);
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const [, , name, type] = line.split(" ");
      assert.ok(name && new RegExp(`^${NAME}$`).test(name) && type && TYPES.has(type), `a TYPE line: ${line}`);
      assert.ok(!types.has(name), `one TYPE line for ${name}`);
      types.set(name, type);
      continue;
    }
    assert.ok(!line.startsWith("#"), `no other comment lines: ${line}`);
    const m = SAMPLE.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(PAIR)) {
      assert.ok(!(k! in labels), `label ${k} once in ${line}`);
      labels[k!] = v!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    }
    const name = m[1]!;
    const family = name.replace(/_(bucket|sum|count)$/, "");
    assert.ok(types.has(name) || types.get(family) === "histogram" || types.get(family) === "summary", `a TYPE before the samples of ${name}`);
    samples.push({ name, labels, value: Number(m[3]) });
  }
  const find = (name: string, labels: Record<string, string> = {}) => samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  const exposition: Exposition = {
    types,
    samples,
    find,
    value(name, labels = {}) {
      const exact = find(name, labels).filter((s) => Object.keys(s.labels).length === Object.keys(labels).length);
      assert.equal(exact.length, 1, `one sample ${name}${JSON.stringify(labels)}; have: ${JSON.stringify(find(name).map((s) => s.labels))}`);
      return exact[0]!.value;
    },
  };
  for (const [name, type] of types) if (type === "histogram") checkHistogram(exposition, name);
  return exposition;
}

function checkHistogram(e: Exposition, name: string): void {
  const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).filter(([k]) => k !== "le").sort());
  const series = new Map<string, Sample[]>();
  for (const s of e.find(`${name}_bucket`)) {
    assert.ok("le" in s.labels, `${name}_bucket has le`);
    series.set(key(s.labels), [...(series.get(key(s.labels)) ?? []), s]);
  }
  for (const [k, buckets] of series) {
    const values = buckets.map((b) => b.value);
    for (let i = 1; i < values.length; i++) assert.ok(values[i]! >= values[i - 1]!, `${name}${k}: buckets are cumulative`);
    assert.equal(buckets.at(-1)!.labels.le, "+Inf", `${name}${k}: the last bucket is +Inf`);
    const labels = Object.fromEntries(JSON.parse(k) as Array<[string, string]>);
    assert.equal(e.value(`${name}_count`, labels), values.at(-1), `${name}${k}: +Inf bucket = _count`);
    e.value(`${name}_sum`, labels);
  }
}
