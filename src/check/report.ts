/** One thing `trunkline check` verified: a stable name, whether it passed, what it saw, and how to fix it. */
export interface CheckStep {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

/** The machine-readable result (`--json`): ok only if every step passed. */
export interface CheckResult {
  ok: boolean;
  trunk: { ref: string; sid?: string; uuid?: string; name?: string; accountSid?: string };
  steps: CheckStep[];
}

export function result(trunk: CheckResult["trunk"], steps: CheckStep[]): CheckResult {
  return { ok: steps.length > 0 && steps.every((s) => s.ok), trunk, steps };
}

/** One line per step, ✔ or ✘, with the fix indented under a failed one. */
export function renderText(r: CheckResult): string {
  const t = r.trunk;
  const title = t.sid ? `trunk ${t.sid} ("${t.name}", account ${t.accountSid}, carrier id ${t.uuid})` : `trunk ${t.ref}`;
  const width = Math.max(...r.steps.map((s) => s.name.length), 0);
  const lines = [`trunkline check: ${title}`];
  for (const s of r.steps) {
    lines.push(`${s.ok ? "✔" : "✘"} ${s.name.padEnd(width)}  ${s.detail}`);
    if (!s.ok && s.fix) lines.push(`  ${" ".repeat(width)}  fix: ${s.fix}`);
  }
  lines.push(r.ok ? "this trunk can carry a call now" : `${r.steps.filter((s) => !s.ok).length} step(s) failed`);
  return `${lines.join("\n")}\n`;
}
