import { spawnSync } from "node:child_process";
import { aptInstallCommand, PLATFORM_PACKAGES } from "../../edge/packages.js";

/** Root runs apt itself; anyone else is told the exact commands (with sudo). */
function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/**
 * `trunkline setup`: installs the SIP edge's and media relay's Debian packages. As root it runs
 * `apt-get update` and `apt-get install`; otherwise, or with --dry-run, it prints them.
 */
export async function setup(opts: { dryRun?: boolean }): Promise<number> {
  const steps = [["apt-get", "update"], ["apt-get", ...aptInstallCommand(PLATFORM_PACKAGES).split(" ").slice(1)]];
  const apt = spawnSync("apt-get", ["--version"], { stdio: "ignore" });
  if (apt.error) {
    console.error(`error: apt-get not found; trunkline setup supports Debian and Ubuntu. Install these packages (or their equivalents): ${PLATFORM_PACKAGES.join(" ")}`);
    return 1;
  }
  if (opts.dryRun || !isRoot()) {
    const sudo = isRoot() ? "" : "sudo ";
    if (!opts.dryRun) console.error("not root: run these commands (or this command with sudo):");
    for (const step of steps) console.log(`${sudo}${step.join(" ")}`);
    return opts.dryRun ? 0 : 1;
  }
  for (const [cmd, ...args] of steps) {
    console.error(`+ ${[cmd, ...args].join(" ")}`);
    const run = spawnSync(cmd as string, args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (run.status !== 0) {
      console.error(`error: '${[cmd, ...args].join(" ")}' failed (exit ${run.status ?? run.signal})`);
      return 1;
    }
  }
  console.error("installed; `trunkline up` now runs the SIP edge too");
  return 0;
}
