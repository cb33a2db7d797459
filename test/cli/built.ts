import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "../..");
/** The package's bin (`npx trunkline` runs this file), built by `npm run build` / `prepare`. */
export const BIN = join(ROOT, "dist/cli/main.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let built = false;
let failed: Error | undefined;

/**
 * The built CLI, rebuilt first when any source file is newer than it (tests exercise the command
 * users run, not the sources through tsx). A build that fails fails the test with tsc's output.
 */
export function builtCli(): string {
  if (built) return BIN;
  // tsc writes its output even when it fails: only this process's record tells a failed build apart.
  if (failed) throw failed;
  const binTime = statSync(BIN, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sourceTime = Math.max(newestMtime(join(ROOT, "src")), statSync(join(ROOT, "package.json")).mtimeMs);
  if (sourceTime > binTime) {
    const run = spawnSync("npm", ["run", "build"], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
    if (run.status !== 0) throw (failed = new Error(`npm run build failed (exit ${run.status ?? run.signal}):\n${run.stdout}\n${run.stderr}`));
  }
  built = true;
  return BIN;
}
