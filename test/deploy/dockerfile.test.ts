import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { after, before, describe, it } from "node:test";
import ts from "typescript";
import { all, copyParts, execForm, healthcheck, last, stageNamed, workdirAt, type Dockerfile, type Stage } from "../../scripts/dockerfile.js";
import { loadConfig } from "../../src/config.js";
import { edgeOptions, tlsSocket } from "../../src/edge/config.js";
import { PLATFORM_PACKAGES } from "../../src/edge/packages.js";
import { ENGINES } from "../helpers/stores.js";
import { startServer } from "../helpers/server.js";
import { cliHelp } from "./cli.js";
import { dockerfile, dockerignored, read, ROOT } from "./repo.js";

/**
 * The image's contents, checked without Docker (docs/deploy.md): the Dockerfile read by
 * scripts/dockerfile.ts, its steps checked against the repository, its package line and
 * HEALTHCHECK run on this host. The build stages' npm steps run in scripts/dockerfile-check.ts
 * (minutes: better-sqlite3 is compiled), not here.
 */

/** What the runtime image installs besides PLATFORM_PACKAGES, and why (the Dockerfile says it too). */
const IMAGE_EXTRAS = ["openssl", "ca-certificates", "tini"];

let file: Dockerfile;
let runtime: Stage;

/** The runtime stage's COPY --from=build that brings `sourceSuffix` in. */
function copyFromBuild(suffix: string) {
  const ins = all(runtime, "COPY").find((i) => i.flags.from === "build" && copyParts(i).sources.some((s) => s.endsWith(suffix)));
  assert.ok(ins, `the runtime stage copies ...${suffix} from the build stage`);
  return { ins, ...copyParts(ins) };
}

/** Runs a shell command with stand-ins for apt-get and rm on PATH that only record their arguments. */
function runWithStandIns(command: string) {
  const bin = mkdtempSync(join(tmpdir(), "tl-docker-run-"));
  for (const name of ["apt-get", "rm"]) writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${bin}/calls.log\n`, { mode: 0o755 });
  try {
    const run = spawnSync("sh", ["-c", command], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: "utf8", timeout: 30_000 });
    const calls = existsSync(join(bin, "calls.log")) ? readFileSync(join(bin, "calls.log"), "utf8").trim().split("\n") : [];
    return { status: run.status, stderr: run.stderr, calls };
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

/** The runtime stage's package RUN line, with the compiled packages module at `modulePath` instead of where the image has it. */
function packageRun(modulePath: string): string {
  const { dest } = copyFromBuild("/dist/edge/packages.js");
  const run = all(runtime, "RUN").find((i) => i.args.includes(dest) && i.args.includes("apt-get install"));
  assert.ok(run, `a RUN line installs the packages read from ${dest}`);
  return run.args.split(dest).join(modulePath);
}

describe("Dockerfile: the image's steps checked against the repository (no Docker here)", () => {
  let tmp: string;
  before(() => {
    file = dockerfile();
    runtime = stageNamed(file, "runtime");
    tmp = mkdtempSync(join(tmpdir(), "tl-dockerfile-"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("builds on Debian bookworm with the Node the package needs, in build, deps and runtime stages", () => {
    const arg = file.globalArgs.find((a) => a.args.startsWith("NODE_IMAGE="));
    assert.equal(arg?.args, "NODE_IMAGE=node:20-bookworm-slim");
    const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
    assert.equal(engines, ">=20", "the image's Node major satisfies package.json engines");
    assert.deepEqual(
      file.stages.map((s) => [s.name, s.base]),
      [
        ["build", "${NODE_IMAGE}"],
        ["deps", "${NODE_IMAGE}"],
        ["runtime", "${NODE_IMAGE}"],
      ],
    );
    const runs = (stage: string) => all(stageNamed(file, stage), "RUN").map((r) => r.args);
    assert.ok(runs("build").includes("npm ci --ignore-scripts"));
    assert.ok(runs("build").includes("npx tsc -p tsconfig.build.json"));
    assert.ok(runs("deps").some((r) => r.startsWith("npm ci --omit=dev")));
    // tsc's output is where the runtime stage takes it from.
    const build = JSON.parse(read("tsconfig.build.json")) as { compilerOptions: { rootDir: string; outDir: string } };
    assert.deepEqual([build.compilerOptions.rootDir, build.compilerOptions.outDir], ["src", "dist"]);
  });

  it("every COPY source is in the repository and not left out of the context by .dockerignore; --from names an earlier stage", () => {
    const ignore = read(".dockerignore");
    for (const [index, stage] of file.stages.entries()) {
      for (const ins of all(stage, "COPY")) {
        const { sources } = copyParts(ins);
        const from = ins.flags.from;
        if (from !== undefined) {
          const source = file.stages.findIndex((s) => s.name === from);
          assert.ok(source >= 0 && source < index, `line ${ins.line}: --from=${from} is an earlier stage`);
          continue;
        }
        for (const src of sources) {
          assert.ok(existsSync(join(ROOT, src)), `line ${ins.line}: COPY source ${src} exists in the repository`);
          assert.equal(dockerignored(src, ignore), false, `line ${ins.line}: .dockerignore must not exclude ${src}`);
        }
      }
    }
    // Host state never enters the context: the image builds its own.
    for (const path of ["node_modules", "dist", "data", ".git", "packages/client/node_modules", "x.log"]) assert.ok(dockerignored(path, ignore), `${path} is ignored`);
  });

  it("files the runtime copies from the build stage are ones tsc makes from src/", () => {
    const buildDir = workdirAt(stageNamed(file, "build"), last(stageNamed(file, "build"), "RUN")!);
    for (const ins of all(runtime, "COPY").filter((i) => i.flags.from === "build")) {
      for (const src of copyParts(ins).sources) {
        assert.ok(src.startsWith(`${buildDir}/dist`), `line ${ins.line}: ${src} is under the build's dist/`);
        const rel = posix.relative(`${buildDir}/dist`, src);
        const ts = rel === "" ? "src" : `src/${rel.replace(/\.js$/, ".ts")}`;
        assert.ok(existsSync(join(ROOT, ts)), `line ${ins.line}: ${src} comes from ${ts}`);
      }
    }
  });

  it("the package RUN line, run here with apt-get stood in, installs exactly PLATFORM_PACKAGES and the image's extras", () => {
    // The module as the build stage compiles it (tsc, NodeNext: ES module syntax kept).
    const module = ts.transpileModule(read("src/edge/packages.ts"), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const modulePath = join(tmp, "trunkline-packages.mjs");
    writeFileSync(modulePath, module);
    const run = runWithStandIns(packageRun(modulePath));
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.calls[0], "apt-get update");
    const install = run.calls[1]?.split(" ") ?? [];
    assert.deepEqual(install.slice(0, 4), ["apt-get", "install", "-y", "--no-install-recommends"]);
    assert.deepEqual(install.slice(4), [...PLATFORM_PACKAGES, ...IMAGE_EXTRAS]);
    assert.match(run.calls[2] ?? "", /^rm -rf .*trunkline-packages\.mjs$/);
    // One list: no platform package is named in the Dockerfile itself, and no extra repeats one.
    const text = read("Dockerfile");
    for (const pkg of PLATFORM_PACKAGES) assert.equal(new RegExp(`\\b${pkg}\\b(?!-)`).test(text.replace(/#.*$/gm, "")), false, `${pkg} is named in the Dockerfile`);
    for (const extra of IMAGE_EXTRAS) assert.equal((PLATFORM_PACKAGES as readonly string[]).includes(extra), false, `${extra} is in PLATFORM_PACKAGES now: drop it from the Dockerfile's extras`);
  });

  it("a package module without the list stops the RUN line before apt-get (no silent empty install)", () => {
    const modulePath = join(tmp, "broken.mjs");
    writeFileSync(modulePath, "export const EDGE_PACKAGES = [];\n");
    const run = runWithStandIns(packageRun(modulePath));
    assert.notEqual(run.status, 0);
    assert.deepEqual(run.calls, []);
    writeFileSync(modulePath, "export const PLATFORM_PACKAGES = [];\n");
    const empty = runWithStandIns(packageRun(modulePath));
    assert.notEqual(empty.status, 0);
    assert.deepEqual(empty.calls, []);
  });

  it("ENTRYPOINT runs the built CLI under tini; CMD is a trunkline command whose --help exits 0", async () => {
    const entry = execForm(last(runtime, "ENTRYPOINT")!.args);
    const cmd = execForm(last(runtime, "CMD")!.args);
    assert.ok(entry && cmd, "exec form (signals reach node, not a shell)");
    const [init, dashes, node, main] = entry;
    assert.deepEqual([init, dashes, node], ["tini", "--", "node"]);
    assert.ok(IMAGE_EXTRAS.includes("tini"));
    // main is the package's bin, where the runtime stage put dist/.
    const { ins, dest } = copyFromBuild("/dist");
    const distDir = posix.resolve(workdirAt(runtime, ins), dest);
    const bin = (JSON.parse(read("package.json")) as { bin: { trunkline: string } }).bin.trunkline;
    assert.equal(main, posix.join(dirname(distDir), bin));
    assert.ok(existsSync(join(ROOT, "src/cli/main.ts")));
    assert.deepEqual(cmd, ["serve"]);
    for (const command of [cmd, ["up"], ["edge"], ["media"], ["migrate"]]) {
      const help = await cliHelp(command);
      assert.equal(help.code, 0, `trunkline ${command.join(" ")} --help: ${help.output}`);
      assert.match(help.output, new RegExp(`^Usage: trunkline ${command.join(" ")} `));
    }
    // The templates the edge renders at run time are in the image, where src/edge/render.ts looks.
    const edgeCopy = all(runtime, "COPY").find((i) => !i.flags.from && copyParts(i).sources.includes("edge/"));
    assert.ok(edgeCopy && posix.resolve(workdirAt(runtime, edgeCopy), copyParts(edgeCopy).dest) === posix.join(dirname(distDir), "edge"));
  });

  it("runs as a non-root user owning ./data (the volume: store, secret key file, edge TLS key); listens on every interface; documents the default ports", () => {
    assert.equal(last(runtime, "USER")?.args, "10001:10001");
    const users = all(runtime, "RUN").find((r) => r.args.includes("useradd"));
    assert.match(users?.args ?? "", /useradd --system --uid 10001 --user-group .* trunkline/);
    const workdir = last(runtime, "WORKDIR")!.args;
    assert.equal(workdir, "/var/lib/trunkline");
    assert.match(users?.args ?? "", new RegExp(`install -d -o trunkline -g trunkline -m 0700 ${workdir} ${workdir}/data`));
    // README's defaults all live under ./data, so the one volume holds them.
    const defaults = loadConfig({});
    for (const path of [defaults.databaseUrl, defaults.secretKeyFile]) assert.ok(path.startsWith("./data/"), path);
    assert.deepEqual(execForm(last(runtime, "VOLUME")!.args), [`${workdir}/data`]);
    assert.ok(all(runtime, "ENV").some((e) => e.args === "HOST=0.0.0.0"));
    const edge = edgeOptions(loadConfig({}));
    const exposed = last(runtime, "EXPOSE")!.args.split(/\s+/);
    assert.deepEqual(exposed, [`${defaults.port}/tcp`, `${edge.sipPort}/udp`, `${edge.sipPort}/tcp`, `${tlsSocket(edge).port}/tcp`]);
  });

  for (const engine of ENGINES) {
    it(`HEALTHCHECK's command exits 0 against a real server's readiness route and 1 when nothing answers [${engine}]`, async () => {
      const check = healthcheck(last(runtime, "HEALTHCHECK")!);
      assert.ok(check && Array.isArray(check.command));
      assert.deepEqual(check.options, { interval: "10s", timeout: "3s", "start-period": "30s", retries: "3" });
      const [node, flag, script] = check.command;
      assert.deepEqual([node, flag], ["node", "-e"]);
      const path = /'(\/[a-z]+)'/.exec(script ?? "")?.[1];
      assert.equal(path, "/readyz");
      const server = await startServer(engine);
      const port = new URL(server.baseUrl).port;
      try {
        const ready = await fetch(`${server.baseUrl}${path}`);
        assert.equal(ready.status, 200);
        assert.equal(((await ready.json()) as { status: string }).status, "ready");
        assert.equal(await exitCode(check.command as string[], { PORT: port }), 0);
      } finally {
        await server.close();
      }
      assert.equal(await exitCode(check.command as string[], { PORT: port }), 1);
    });
  }
});

function exitCode(command: string[], env: Record<string, string>): Promise<number | null> {
  const [cmd, ...args] = command;
  // The image's node is the same major as this one.
  const child = spawn(cmd === "node" ? process.execPath : (cmd as string), args, { env: { ...process.env, ...env }, stdio: "ignore" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  return new Promise((resolve) => child.on("exit", (code) => (clearTimeout(timer), resolve(code))));
}
