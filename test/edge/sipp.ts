import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopChild } from "../helpers/process.js";

/** sipp (Debian package sip-tester) drives every SIP test; missing, the suite fails with this. */
export function requireSipp(): void {
  const probe = spawnSync("sipp", ["-v"], { encoding: "utf8" });
  if (probe.error) throw new Error("sipp not found. Install it with: apt-get install sip-tester");
}

let workDir: string | undefined;
let seq = 0;
/** Scenario and log files of this process's sipp runs, in one temp dir removed by removeSippFiles. */
function file(name: string): string {
  workDir ??= mkdtempSync(join(tmpdir(), "tl-sipp-"));
  return join(workDir, `${name}${++seq}`);
}
export function removeSippFiles(): void {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
}

const SDP = `v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
`;

function invite(cseq: number, auth: boolean): string {
  return `<send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: ${cseq} INVITE
Contact: <sip:[caller]@[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
${auth ? "[authentication]\n" : ""}Content-Type: application/sdp
Content-Length: [len]

${SDP}
]]></send>`;
}

const ACK_ERROR = (cseq: number) => `<send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: ${cseq} ACK
Max-Forwards: 70
Content-Length: 0

]]></send>`;

const IN_DIALOG = (method: string, cseq: number, auth = false) => `<send${method === "BYE" ? ' retrans="500"' : ""}><![CDATA[
${method} [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
[routes]
Call-ID: [call_id]
CSeq: ${cseq} ${method}
Contact: <sip:[caller]@[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
${auth ? "[authentication]\n" : ""}Content-Length: 0

]]></send>`;

export interface UacScenario {
  /** Final answer expected to the INVITE (after the digest challenge when `auth`). */
  expect: number;
  /** Expect a 407 first and answer it with -au/-ap credentials. */
  auth?: boolean;
  /** How long an answered call stays up before BYE. */
  holdMs?: number;
  /** The called side hangs up: wait for its BYE and answer 200 (instead of sending BYE). */
  byeFromCallee?: boolean;
  /** Send the digest credentials in the ACK and BYE too, as some PBXs do. */
  authInDialog?: boolean;
}

/** The 200 a UAC answers the called side's BYE with. */
const BYE_OK = `<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[caller]@[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

]]></send>`;

/**
 * A UAC that follows Record-Route (rrs, [routes], [next_url]) for ACK and BYE. With
 * `fromFile`, the called number is the first field of the -inf file's line instead of -s.
 */
export function uacXml(s: UacScenario & { fromFile?: boolean }): string {
  if (s.fromFile) return uacXml({ ...s, fromFile: false }).replaceAll("[service]", "[field0]");
  const steps: string[] = [invite(1, false), '<recv response="100" optional="true"/>'];
  let cseq = 1;
  if (s.auth) {
    steps.push('<recv response="407" auth="true"/>', ACK_ERROR(1), invite(2, true), '<recv response="100" optional="true"/>');
    cseq = 2;
  }
  steps.push('<recv response="180" optional="true"/>', '<recv response="183" optional="true"/>');
  if (s.expect === 200 && s.byeFromCallee) {
    steps.push('<recv response="200" rrs="true"/>', IN_DIALOG("ACK", cseq, s.auth === true && s.authInDialog === true), '<recv request="BYE"/>', BYE_OK);
  } else if (s.expect === 200) {
    const auth = s.auth === true && s.authInDialog === true;
    steps.push('<recv response="200" rrs="true"/>', IN_DIALOG("ACK", cseq, auth), `<pause milliseconds="${s.holdMs ?? 100}"/>`, IN_DIALOG("BYE", cseq + 1, auth), '<recv response="200"/>');
  } else {
    steps.push(`<recv response="${s.expect}"/>`, ACK_ERROR(cseq));
  }
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="uac">\n${steps.join("\n")}\n</scenario>\n`;
}

/**
 * A UAS answering every INVITE with `answer` (200: then waits for ACK and BYE), and every OPTIONS
 * with 200 (the edge probes its destinations: a UAS that did not answer would go down).
 */
export function uasXml(answer: number): string {
  const reply = (code: number, reason: string, body: boolean) => `<send><![CDATA[
SIP/2.0 ${code} ${reason}
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
${body ? `Content-Type: application/sdp\nContent-Length: [len]\n\n${SDP}` : "Content-Length: 0\n"}
]]></send>`;
  const steps = ['<recv request="OPTIONS" optional="true" next="options"/>', '<recv request="INVITE" crlf="true"/>'];
  if (answer === 200) {
    steps.push(reply(200, "OK", true), '<recv request="ACK" optional="false"/>', '<recv request="BYE"/>', reply(200, "OK", false));
  } else {
    steps.push(reply(answer, "Failure", false), '<recv request="ACK"/>');
  }
  steps.push('<nop next="done"/>', '<label id="options"/>', reply(200, "OK", false), '<label id="done"/>');
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="uas">\n${steps.join("\n")}\n</scenario>\n`;
}

function scenarioFile(xml: string): string {
  const path = file("scenario.xml.");
  writeFileSync(path, xml);
  return path;
}

export interface CallOptions {
  /** Edge address, ip:port. */
  edge: string;
  /** Local address the call comes from (127.0.0.x). */
  from: string;
  /** Called number (Request-URI user). */
  number: string;
  /** From user; default "caller". */
  caller?: string;
  auth?: { user: string; password: string };
  transport?: "udp" | "tcp";
  calls?: number;
  /** Concurrent calls (sipp -l) and call rate (-r per second). */
  limit?: number;
  rate?: number;
  timeoutS?: number;
  /** Keep sipp's log of the messages it sent and received (CallResult.messages). */
  trace?: boolean;
}

export interface CallResult {
  ok: boolean;
  /** sipp's error log, for assertion messages. */
  detail: string;
  /** With `trace`: every message sipp sent and received, as it logs them. */
  messages?: string;
}

/** Places `calls` calls (default 1) and reports whether every one went as the scenario expects. */
export function call(opts: CallOptions, scenario: UacScenario): Promise<CallResult> {
  const errFile = file("errors.log.");
  const args = [
    opts.edge,
    "-sf", scenarioFile(uacXml(scenario)),
    "-i", opts.from,
    "-p", "0",
    "-s", opts.number,
    "-key", "caller", opts.caller ?? "caller",
    "-m", String(opts.calls ?? 1),
    "-l", String(opts.limit ?? 1),
    "-r", String(opts.rate ?? 10),
    "-t", opts.transport === "tcp" ? "t1" : "u1",
    "-timeout", `${opts.timeoutS ?? 15}s`,
    "-timeout_error",
    "-recv_timeout", "8000",
    "-nostdin",
    "-trace_err", "-error_file", errFile,
  ];
  if (opts.auth) args.push("-au", opts.auth.user, "-ap", opts.auth.password);
  const msgFile = file("messages.log.");
  if (opts.trace) args.push("-trace_msg", "-message_file", msgFile);
  return new Promise((resolve) => {
    const child = spawn("sipp", args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => {
      const log = existsSync(errFile) ? readFileSync(errFile, "utf8") : "";
      const messages = opts.trace && existsSync(msgFile) ? readFileSync(msgFile, "utf8") : undefined;
      resolve({ ok: code === 0, detail: `sipp exit ${code}; ${stderr.slice(-500)}\n${log.slice(-1500)}`, messages });
    });
  });
}

export interface LoadOptions {
  edge: string;
  from: string;
  /** One called number per line (sipp -inf, sequential). */
  numbersFile: string;
  seconds: number;
  /** Concurrent calls: the offered load is closed-loop, as fast as the proxy answers. */
  concurrency: number;
  /** Command prefix, e.g. ["taskset", "-c", "1"]. */
  wrapper?: string[];
}

/** Places calls for `seconds` and returns sipp's counts of successful and failed calls. */
export function load(opts: LoadOptions): Promise<{ ok: number; failed: number; seconds: number }> {
  const stats = file("stats.csv.");
  const args = [
    opts.edge,
    "-sf", scenarioFile(uacXml({ expect: 200, holdMs: 0, fromFile: true })),
    "-inf", opts.numbersFile,
    "-i", opts.from,
    "-p", "0",
    "-key", "caller", "load",
    "-r", "100000",
    "-l", String(opts.concurrency),
    "-t", "u1",
    "-timeout", `${opts.seconds}s`,
    "-recv_timeout", "5000",
    "-nostdin",
    "-trace_stat", "-stf", stats, "-fd", "1",
  ];
  const [cmd, ...pre] = [...(opts.wrapper ?? []), "sipp"];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, [...pre, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", () => {
      const lines = existsSync(stats) ? readFileSync(stats, "utf8").trim().split("\n") : [];
      if (lines.length < 2) return reject(new Error(`sipp load produced no statistics: ${stderr.slice(-500)}`));
      const head = (lines[0] as string).split(";");
      const last = (lines[lines.length - 1] as string).split(";");
      const col = (name: string) => last[head.indexOf(name)] ?? "";
      const [h, m, sec] = col("ElapsedTime(C)").split(":").map(Number);
      resolve({ ok: Number(col("SuccessfulCall(C)")), failed: Number(col("FailedCall(C)")), seconds: (h ?? 0) * 3600 + (m ?? 0) * 60 + (sec ?? 0) });
    });
  });
}

export interface Uas {
  address: string;
  /** INVITEs received so far (each as its full text). */
  invites(): string[];
  stop(): Promise<void>;
}

/** A UAS on `address:port` answering every INVITE with `answer`; it logs what it receives. */
export async function startUas(address: string, port: number, answer = 200, transport: "udp" | "tcp" = "tcp", bench?: { wrapper: string[] }): Promise<Uas> {
  const msgFile = file("messages.log.");
  const args = ["-sf", scenarioFile(uasXml(answer)), "-i", address, "-p", String(port), "-t", transport === "tcp" ? "t1" : "u1", "-nostdin", "-max_socket", "1000"];
  // Benchmarks do not log messages (it would cost more than the proxy under test).
  if (!bench) args.push("-trace_msg", "-message_file", msgFile);
  const [cmd, ...pre] = [...(bench?.wrapper ?? []), "sipp"];
  const child: ChildProcess = spawn(cmd as string, [...pre, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  // sipp has no readiness signal; give it a moment to bind, and fail if it exited.
  await new Promise((r) => setTimeout(r, 150));
  if (child.exitCode !== null) throw new Error(`sipp UAS on ${address}:${port} exited: ${stderr}`);
  return {
    address: `${address}:${port}`,
    invites() {
      if (!existsSync(msgFile)) return [];
      return readFileSync(msgFile, "utf8")
        .split(/^(?:UDP|TCP) message received \[\d+\] bytes :\n+/m)
        .map((m) => m.split(/\n-{20,}/)[0] as string)
        .filter((m) => m.startsWith("INVITE "));
    },
    stop: () => stopChild(child, 2000),
  };
}
