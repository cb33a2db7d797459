import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

type Outcome = { applied?: string[]; error?: string };
const CHILD = join(import.meta.dirname, "migrateChild.ts");

/** Migrates one fresh SQLite file from `n` processes, released together once each has opened it. */
async function migrateAtOnce(file: string, n: number): Promise<Outcome[]> {
  const children = Array.from({ length: n }, () => spawn(process.execPath, ["--import", "tsx", CHILD, file], { stdio: ["pipe", "pipe", "inherit"] }));
  const lines = children.map((c) => {
    let out = "";
    const waiters: Array<() => void> = [];
    c.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      for (const w of waiters.splice(0)) w();
    });
    const line = (i: number) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const got = out.split("\n")[i];
          if (got !== undefined && out.split("\n").length > i + 1) resolve(got);
          else if (c.exitCode !== null) reject(new Error(`child exited: ${out}`));
          else waiters.push(check);
        };
        c.once("exit", check);
        check();
      });
    return line;
  });
  await Promise.all(lines.map((line) => line(0)));
  for (const c of children) c.stdin.write("go\n");
  return Promise.all(lines.map(async (line) => JSON.parse(await line(1)) as Outcome));
}

describe("migrations on SQLite", () => {
  it("several processes migrating a fresh store at once: each migration applied once, every one succeeds", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tl-migrate-race-"));
    try {
      for (let round = 0; round < 3; round++) {
        const outcomes = await migrateAtOnce(join(dir, `db${round}.sqlite`), 4);
        assert.deepEqual(outcomes.filter((o) => o.error !== undefined), [], "no migration failed");
        const appliers = outcomes.filter((o) => (o.applied ?? []).length > 0);
        assert.equal(appliers.length, 1, JSON.stringify(outcomes));
        assert.ok(appliers[0]!.applied!.includes("001_initial"));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
