/**
 * `npm test`'s pretest: makes sure the Debian packages the suite drives are installed — the SIP
 * edge, the media relay and the test tools, from the one list in src/edge/packages.ts. As root it
 * installs what is missing with apt-get; otherwise it fails naming the exact command. Everything
 * present: one dpkg-query call, no apt-get (fast).
 */
import { spawnSync } from "node:child_process";
import { PLATFORM_PACKAGES, TEST_TOOL_PACKAGES } from "../src/edge/packages.js";

const wanted = [...PLATFORM_PACKAGES, ...TEST_TOOL_PACKAGES];

function missingPackages(): string[] | undefined {
  const query = spawnSync("dpkg-query", ["-W", "-f=${Package} ${Status}\\n", ...wanted], { encoding: "utf8" });
  if (query.error) return undefined; // not a Debian-family system
  const installed = new Set(
    query.stdout
      .split("\n")
      .filter((line) => line.endsWith(" install ok installed"))
      .map((line) => line.split(" ")[0]),
  );
  return wanted.filter((p) => !installed.has(p));
}

function run(cmd: string, args: string[]): boolean {
  console.error(`pretest: ${cmd} ${args.join(" ")}`);
  const result = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  return result.status === 0;
}

function main(): number {
  const missing = missingPackages();
  if (missing === undefined) {
    console.error(`pretest: dpkg-query not found. The test suite needs these Debian packages (or their equivalents): ${wanted.join(" ")}`);
    return 1;
  }
  if (missing.length === 0) return 0;
  const install = ["install", "-y", "-qq", ...missing];
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot) {
    console.error(`pretest: the test suite needs Debian packages that are not installed: ${missing.join(" ")}\nInstall them with:\n  sudo apt-get update && sudo apt-get install -y ${missing.join(" ")}`);
    return 1;
  }
  if (!run("apt-get", ["update", "-qq"]) || !run("apt-get", install)) {
    console.error(`pretest: installing ${missing.join(" ")} failed (see apt-get's output above)`);
    return 1;
  }
  const still = missingPackages() ?? missing;
  if (still.length) {
    console.error(`pretest: still not installed after apt-get: ${still.join(" ")}`);
    return 1;
  }
  return 0;
}

process.exit(main());
