import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseMessageLog } from "../../src/check/call.js";
import { stopChild } from "../helpers/process.js";

/** The sipp scenarios shipped in examples/sipp, run as files (what the README shows). */
export const SCENARIOS = fileURLToPath(new URL("../../examples/sipp/", import.meta.url));
export const scenario = (name: string) => join(SCENARIOS, name);

export type SippTransport = "udp" | "tcp";
const flag = (t: SippTransport) => (t === "tcp" ? "t1" : "u1");

let dir: string | undefined;
let seq = 0;
function logFile(name: string): string {
  dir ??= mkdtempSync(join(tmpdir(), "tl-check-sipp-"));
  return join(dir, `${name}.${++seq}`);
}
export function removeLogs(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

/** Messages a sipp process sent and received, in order (its -trace_msg file). */
export function messages(file: string): Array<{ sent: boolean; text: string }> {
  return existsSync(file) ? parseMessageLog(readFileSync(file, "utf8")) : [];
}

export interface UacRun {
  code: number | null;
  messages: Array<{ sent: boolean; text: string }>;
  detail: string;
}

/** One call with a shipped UAC scenario: `sipp EDGE -sf examples/sipp/<file> -s NUMBER -key caller ...`. */
export function runUac(file: string, o: { edge: string; from: string; number: string; transport: SippTransport; auth?: { user: string; password: string }; caller?: string; holdMs?: number }): Promise<UacRun> {
  const msgFile = logFile("uac.msg");
  const errFile = logFile("uac.err");
  const args = [
    o.edge, "-sf", scenario(file), "-s", o.number, "-key", "caller", o.caller ?? "+912233445566",
    "-i", o.from, "-m", "1", "-d", String(o.holdMs ?? 200), "-t", flag(o.transport),
    "-nostdin", "-timeout", "20s", "-timeout_error", "-recv_timeout", "10000",
    "-trace_msg", "-message_file", msgFile, "-trace_err", "-error_file", errFile,
  ];
  if (o.auth) args.push("-au", o.auth.user, "-ap", o.auth.password);
  return new Promise((resolve) => {
    const child = spawn("sipp", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => {
      const errors = existsSync(errFile) ? readFileSync(errFile, "utf8") : "";
      resolve({ code, messages: messages(msgFile), detail: `sipp exit ${code}: ${stderr.slice(-500)}\n${errors.slice(-1500)}` });
    });
  });
}

export interface ShippedUas {
  address: string;
  messages(): Array<{ sent: boolean; text: string }>;
  stop(): Promise<void>;
}

/** A shipped UAS scenario on address:port: `sipp -sf examples/sipp/<file> -i IP -p PORT -t t1|u1`. */
export async function startShippedUas(file: string, address: string, port: number, transport: SippTransport, holdMs = 200): Promise<ShippedUas> {
  const msgFile = logFile("uas.msg");
  const args = ["-sf", scenario(file), "-i", address, "-p", String(port), "-t", flag(transport), "-d", String(holdMs), "-nostdin", "-trace_msg", "-message_file", msgFile];
  const child: ChildProcess = spawn("sipp", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  // sipp has no readiness signal; give it a moment to bind, and fail if it exited.
  await new Promise((r) => setTimeout(r, 200));
  if (child.exitCode !== null) throw new Error(`sipp ${file} on ${address}:${port} exited: ${stderr}`);
  return { address: `${address}:${port}`, messages: () => messages(msgFile), stop: () => stopChild(child, 2000) };
}

/** The first line and CSeq of each message, e.g. "> BYE 3" (sent) or "< 200 BYE" (received): for assertions. */
export function flow(msgs: Array<{ sent: boolean; text: string }>): string[] {
  return msgs.map((m) => {
    const first = m.text.split("\n")[0] as string;
    const cseq = /^CSeq:\s*\d+\s+(\S+)/im.exec(m.text)?.[1] ?? "";
    const what = first.startsWith("SIP/2.0 ") ? `${first.split(" ")[1]} ${cseq}` : first.split(" ")[0];
    return `${m.sent ? ">" : "<"} ${what}`;
  });
}
