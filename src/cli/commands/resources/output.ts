/** Where command output goes: stdout, or a test's buffer. */
export const sink = { write: (text: string) => void process.stdout.write(text) };

export type Row = Record<string, unknown>;

function cell(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** A plain text table: a header row, then one row per item, columns padded to their widest cell. */
export function table(rows: Row[], columns: string[]): string {
  const cells = [columns.map((c) => c.toUpperCase()), ...rows.map((r) => columns.map((c) => cell(r[c])))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => (line[i] as string).length)));
  return cells.map((line) => line.map((text, i) => (i === line.length - 1 ? text : text.padEnd(widths[i] as number))).join("  ")).join("\n") + "\n";
}

/** One item as `field: value` lines. */
export function fields(row: Row): string {
  return Object.entries(row).map(([k, v]) => `${k}: ${cell(v)}`).join("\n") + "\n";
}

/** Prints a result: JSON as is with --json, else a table (lists) or field lines (one item). */
export function print(result: unknown, json: boolean | undefined, columns: string[]): void {
  if (json) return sink.write(JSON.stringify(result) + "\n");
  if (Array.isArray(result)) return sink.write(result.length ? table(result as Row[], columns) : "(none)\n");
  if (result && typeof result === "object") return sink.write(fields(result as Row));
}
