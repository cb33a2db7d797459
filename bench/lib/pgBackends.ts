import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import pg from "pg";
import { processTree } from "./cpu.js";

/** Local TCP ports of the sockets a set of processes hold open, from /proc (Linux). */
function localTcpPorts(pids: number[]): Set<number> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1] as string);
      } catch {
        // closed meanwhile
      }
    }
  }
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is "HEXIP:HEXPORT"; the inode is the 10th column.
      if (cols.length > 9 && inodes.has(cols[9] as string)) ports.add(parseInt((cols[1] as string).split(":")[1] as string, 16));
    }
  }
  return ports;
}

/**
 * The PostgreSQL backends serving a process tree's connections (Kamailio's workers each hold
 * their own): matched by the client port each backend reports, so other clients of the same
 * database — other people's tests on a shared server — are never counted.
 */
export async function pgBackendsOf(pgUrl: string, rootPid: number): Promise<number[]> {
  const ports = localTcpPorts(processTree(rootPid));
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    const r = await client.query<{ pid: number; client_port: number | null }>("select pid, client_port from pg_stat_activity where client_addr is not null");
    return r.rows.filter((x) => x.client_port !== null && ports.has(x.client_port)).map((x) => x.pid);
  } finally {
    await client.end();
  }
}
