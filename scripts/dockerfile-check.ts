/**
 * Runs the Dockerfile's steps on this host, without Docker (docs/deploy.md, "What was checked"):
 * each stage gets a directory standing for its filesystem; WORKDIR and COPY are done there (the
 * build context filtered by .dockerignore), the npm/npx RUN steps run as written, the package
 * line runs with apt-get stood in and its list then resolved by `apt-get install -s` against an
 * empty package state (a simulation: nothing is installed). Steps that need root or Docker (apt-get in the deps stage,
 * useradd) are listed as skipped. Then the runtime stage's ENTRYPOINT + CMD starts the server
 * from the assembled /opt/trunkline on loopback, the HEALTHCHECK command must pass against it,
 * and SIGTERM must stop it with exit 0.
 *
 *   npx tsx scripts/dockerfile-check.ts [--keep]     (minutes: better-sqlite3 is compiled)
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, posix, relative } from "node:path";
import { copyParts, dockerignore, execForm, healthcheck, last, parseDockerfile, type Instruction, type Stage } from "./dockerfile.js";

const ROOT = join(import.meta.dirname, "..");
const keep = process.argv.includes("--keep");
const file = parseDockerfile(readFileSync(join(ROOT, "Dockerfile"), "utf8"));
const work = mkdtempSync(join(tmpdir(), "tl-dockerfile-check-"));
const rows: string[] = [];
let failed = false;

function log(line: number, what: string, outcome: string, seconds?: number) {
  const row = `line ${String(line).padStart(3)}  ${outcome.padEnd(8)} ${seconds === undefined ? "" : `${seconds.toFixed(1).padStart(6)} s  `}${what}`;
  rows.push(row);
  console.log(row);
}

/** A container path of a stage, as a host path under the work directory. */
const host = (stage: Stage, path: string) => join(work, stage.name ?? "stage", path);

const ignored = dockerignore(readFileSync(join(ROOT, ".dockerignore"), "utf8"));

function copy(stage: Stage, ins: Instruction, workdir: string) {
  const { sources, dest } = copyParts(ins);
  const target = host(stage, posix.resolve(workdir, dest));
  for (const source of sources) {
    const from = ins.flags.from ? host(file.stages.find((s) => s.name === ins.flags.from) as Stage, source) : join(ROOT, source);
    if (!existsSync(from)) throw new Error(`line ${ins.line}: COPY source ${source} does not exist (${from})`);
    const into = dest.endsWith("/") && !statSync(from).isDirectory() ? join(target, posix.basename(source)) : target;
    mkdirSync(dirname(into), { recursive: true });
    cpSync(from, into, { recursive: true, verbatimSymlinks: true, filter: (p) => ins.flags.from !== undefined || !ignored(relative(ROOT, p)) });
  }
}

function run(command: string, cwd: string, env: NodeJS.ProcessEnv = process.env): { status: number | null; output: string; seconds: number } {
  const t = Date.now();
  const r = spawnSync("sh", ["-c", command], { cwd, env, encoding: "utf8", maxBuffer: 64 << 20 });
  return { status: r.status, output: `${r.stdout}${r.stderr}`, seconds: (Date.now() - t) / 1000 };
}

/** The runtime package line with apt-get and rm stood in; returns the packages it would install. */
function packageLine(stage: Stage, ins: Instruction, workdir: string): string[] {
  const bin = join(work, "stand-ins");
  mkdirSync(bin, { recursive: true });
  for (const name of ["apt-get", "rm"]) writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${bin}/calls.log\n`, { mode: 0o755 });
  let command = ins.args;
  // Absolute paths this stage copied to, as they are here.
  for (const c of stage.instructions.filter((i) => i.keyword === "COPY")) {
    const dest = copyParts(c).dest;
    if (dest.startsWith("/")) command = command.split(dest).join(host(stage, dest));
  }
  const r = run(command, host(stage, workdir), { ...process.env, PATH: `${bin}:${process.env.PATH}` });
  if (r.status !== 0) throw new Error(`line ${ins.line}: the package line failed:\n${r.output}`);
  const install = readFileSync(join(bin, "calls.log"), "utf8").split("\n").find((l) => l.startsWith("apt-get install"));
  if (!install) throw new Error(`line ${ins.line}: no apt-get install ran`);
  return install.split(" ").slice(2).filter((a) => !a.startsWith("-"));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** ENTRYPOINT + CMD of the runtime stage, started from the assembled image on loopback; HEALTHCHECK against it; SIGTERM. */
async function startImage(stage: Stage, workdir: string) {
  const entry = execForm(last(stage, "ENTRYPOINT")?.args ?? "[]") ?? [];
  const cmd = execForm(last(stage, "CMD")?.args ?? "[]") ?? [];
  // tini is Debian's; node runs the same command without it here.
  const argv = entry[0] === "tini" && entry[1] === "--" ? entry.slice(2) : entry;
  const [node, main] = argv;
  if (node !== "node" || !main) throw new Error(`unexpected ENTRYPOINT ${JSON.stringify(entry)}`);
  const cwd = host(stage, workdir);
  mkdirSync(cwd, { recursive: true });
  chmodSync(cwd, 0o700);
  const mainPath = host(stage, main);
  const help = spawnSync(process.execPath, [mainPath, "--help"], { cwd, encoding: "utf8" });
  log(last(stage, "ENTRYPOINT")!.line, `${argv.join(" ")} --help`, help.status === 0 ? "ok" : "FAILED");
  if (help.status !== 0) throw new Error(help.stderr);
  const print = spawnSync(process.execPath, [mainPath, "edge", "--print"], { cwd, encoding: "utf8" });
  const rendered = print.status === 0 && /^listen=udp:/m.test(print.stdout);
  log(last(stage, "ENTRYPOINT")!.line, `${argv.join(" ")} edge --print (the edge's templates are in the image)`, rendered ? "ok" : "FAILED");
  if (!rendered) throw new Error(print.stderr);

  const port = String(await freePort());
  // The image sets HOST=0.0.0.0; here the server stays on loopback.
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: "127.0.0.1", PORT: port, DATABASE_URL: "", REDIS_URL: "" };
  for (const key of Object.keys(env)) if (/^TRUNKLINE_/.test(key)) delete env[key];
  const t = Date.now();
  const child = spawn(process.execPath, [mainPath, ...cmd], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const check = healthcheck(last(stage, "HEALTHCHECK")!);
    if (!check || !Array.isArray(check.command)) throw new Error("HEALTHCHECK must be an exec-form command");
    const [hcNode, ...hcArgs] = check.command;
    let healthy = false;
    for (let i = 0; i < 120 && !healthy && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 500));
      healthy = spawnSync(hcNode === "node" ? process.execPath : (hcNode as string), hcArgs, { env, timeout: 5000 }).status === 0;
    }
    log(last(stage, "HEALTHCHECK")!.line, `${argv.join(" ")} ${cmd.join(" ")} on 127.0.0.1:${port}; HEALTHCHECK passes`, healthy ? "ok" : "FAILED", (Date.now() - t) / 1000);
    if (!healthy) throw new Error(`the server never became healthy:\n${output}`);
    const store = join(cwd, "data", "trunkline.db");
    log(last(stage, "VOLUME")!.line, `./data/trunkline.db made by the image's better-sqlite3 in the volume's directory`, existsSync(store) ? "ok" : "FAILED");
  } finally {
    child.kill("SIGTERM");
  }
  const code = await exited;
  log(last(stage, "CMD")!.line, `SIGTERM: exit ${code}`, code === 0 ? "ok" : "FAILED");
  if (code !== 0) throw new Error(output);
}

async function main() {
  console.log(`work directory: ${work}\n`);
  for (const stage of file.stages) {
    let workdir = "/";
    console.log(`== stage ${stage.name} (FROM ${stage.base})`);
    for (const ins of stage.instructions) {
      const what = `${ins.keyword} ${ins.args.replace(/\s+/g, " ").slice(0, 110)}`;
      if (ins.keyword === "WORKDIR") {
        workdir = posix.resolve(workdir, ins.args);
        mkdirSync(host(stage, workdir), { recursive: true });
        log(ins.line, what, "done");
      } else if (ins.keyword === "COPY") {
        copy(stage, ins, workdir);
        log(ins.line, what, "done");
      } else if (ins.keyword === "RUN" && /^(npm|npx) /.test(ins.args)) {
        const r = run(ins.args, host(stage, workdir));
        log(ins.line, what, r.status === 0 ? "ran" : "FAILED", r.seconds);
        if (r.status !== 0) throw new Error(r.output);
      } else if (ins.keyword === "RUN" && ins.args.includes("apt-get install") && ins.args.includes("$packages")) {
        const packages = packageLine(stage, ins, workdir);
        log(ins.line, `${what} (apt-get stood in)`, "ran");
        // As if nothing were installed (an empty dpkg status): every dependency must resolve.
        const sim = run(`apt-get install -s --no-install-recommends -o Dir::State::status=/dev/null ${packages.join(" ")}`, ROOT);
        const count = sim.output.split("\n").filter((l) => l.startsWith("Inst ")).length;
        log(ins.line, `apt-get install -s --no-install-recommends ${packages.join(" ")}: ${count} packages from an empty system (simulated with this host's bookworm lists)`, sim.status === 0 ? "resolves" : "FAILED", sim.seconds);
        if (sim.status !== 0) throw new Error(sim.output);
      } else if (ins.keyword === "RUN") {
        log(ins.line, what, "skipped");
      }
    }
    console.log("");
  }
  const runtime = file.stages.at(-1) as Stage;
  await startImage(runtime, last(runtime, "WORKDIR")?.args ?? "/");
}

main().then(
  () => console.log(`\nDockerfile steps checked on this host: ${rows.filter((r) => /\s(skipped)\s/.test(r)).length} step(s) skipped (need root or Docker), none failed`),
  (error: unknown) => {
    failed = true;
    console.error(`\ndockerfile-check FAILED: ${error instanceof Error ? error.message : String(error)}`);
  },
).finally(() => {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
});
