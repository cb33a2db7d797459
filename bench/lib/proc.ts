import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import pg from "pg";
import { freePort, stopChild, waitUntilReady } from "../../test/helpers/process.js";

export { freePort };

/** Process placement and lifecycle for the benchmarks: servers on one core, load on the other. */

export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

/** Pins this process and all its threads to `core`; false when taskset is missing or refuses. */
export function pinSelf(core: number): boolean {
  const r = spawnSync("taskset", ["-a", "-p", "-c", String(core), String(process.pid)], { encoding: "utf8" });
  return r.status === 0;
}

export interface Child {
  name: string;
  pid: number;
  port: number;
  base: string;
  child: ChildProcess;
  stderr(): string;
  rssBytes(): number;
  stop(): Promise<void>;
}

/**
 * Starts `node <script> ...args` (through tsx for a .ts script) pinned to SERVER_CORE (taskset
 * execs node, so the pid is node's), and waits — bounded — until `readyPath` answers 200. Stdout (the request log,
 * when on) goes to /dev/null, as it would to a log shipper that keeps up.
 */
export async function startPinned(name: string, script: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = [], readyPath = "/healthz"): Promise<Child> {
  const port = await freePort();
  const loader = script.endsWith(".ts") ? ["--import", "tsx"] : [];
  const child = spawn("taskset", ["-c", String(SERVER_CORE), process.execPath, ...nodeArgs, ...loader, script, ...args], {
    env: { ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr?.on("data", (d: Buffer) => {
    err = (err + d.toString()).slice(-20_000);
  });
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, base + readyPath, 30_000, () => err, name);
  return {
    name,
    pid: child.pid as number,
    port,
    base,
    child,
    stderr: () => err,
    rssBytes: () => {
      // VmRSS of the process, from /proc (Linux).
      const r = spawnSync("cat", [`/proc/${child.pid}/status`], { encoding: "utf8" });
      const m = /VmRSS:\s+(\d+) kB/.exec(r.stdout ?? "");
      return m ? Number(m[1]) * 1024 : NaN;
    },
    stop: () => stopChild(child, 10_000),
  };
}

/**
 * PostgreSQL forks one backend per connection. The API server's pool connects with
 * application_name `appName`; pinning those backends to the server's core puts the database work
 * of the request path on that core too. (Only our own connections' backends are touched.)
 */
export async function pinPgBackends(pgUrl: string, appName: string, core = SERVER_CORE): Promise<number> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    const r = await client.query<{ pid: number }>("select pid from pg_stat_activity where application_name = $1", [appName]);
    let pinned = 0;
    for (const { pid } of r.rows) if (spawnSync("taskset", ["-p", "-c", String(core), String(pid)]).status === 0) pinned++;
    return pinned;
  } finally {
    await client.end();
  }
}
