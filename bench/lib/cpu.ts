import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  return ticksPerSecond;
}

/** `/proc/<pid>/stat` fields after "(comm)": state, ppid, … utime (index 11), stime (12); undefined once it exited. */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** A process and its direct children (Kamailio forks its workers from the main process). */
export function processTree(pid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields && (Number(entry) === pid || Number(fields[1]) === pid)) pids.push(Number(entry));
  }
  return pids;
}

/** CPU time (user + system, ms) used so far by these processes (those that exited count 0). */
export function cpuMsOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / clockTicks();
}

/**
 * CPU time (user + system, ms) used so far by a process and its direct children, from /proc.
 * Kamailio forks its workers from the main process, so this is the whole server's CPU: a cost per
 * call that holds even when the load generator, not the server, limits the call rate.
 */
export function processTreeCpuMs(pid: number): number {
  return cpuMsOf(processTree(pid));
}
