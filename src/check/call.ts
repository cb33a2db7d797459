import { spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ipaddr from "ipaddr.js";
import type { TrunkDetail } from "../domain/types.js";
import type { CheckStep } from "./report.js";

export const SIPP_INSTALL_HINT = "apt-get install sip-tester";
/** The shipped scenario (examples/sipp), two levels above both src/check and dist/check. */
export const UAC_SCENARIO = fileURLToPath(new URL("../../examples/sipp/uac.xml", import.meta.url));

/** How the test call gets in: from an ACL address of this host, or with the trunk's digest credential. */
export type Admission = { kind: "acl"; from: string; caller: string } | { kind: "digest"; from: string; caller: string; user: string; password: string };

const inCidr = (ip: string, net: string, mask: number) => {
  try {
    const a = ipaddr.parse(ip);
    const n = ipaddr.parse(net);
    return a.kind() === n.kind() && a.match(n, mask);
  } catch {
    return false;
  }
};

/** IPv4 addresses of this host's interfaces. */
function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && i.family === "IPv4")
    .map((i) => (i as { address: string }).address);
}

/**
 * An address of this host inside one of the trunk's ACL entries: any 127.x address (Linux
 * answers on all of 127.0.0.0/8, so one in the entry can be bound), else an interface address.
 */
function aclAddressOfThisHost(trunk: TrunkDetail): string | undefined {
  for (const e of trunk.acl) {
    if (inCidr(e.ip, "127.0.0.0", 8)) {
      if (e.mask >= 32) return e.ip;
      // A network entry: its first host address.
      const bytes = ipaddr.IPv4.networkAddressFromCIDR(`${e.ip}/${e.mask}`).toByteArray();
      bytes[3] = (bytes[3] as number) + 1;
      return bytes.join(".");
    }
    const local = localAddresses().find((a) => inCidr(a, e.ip, e.mask));
    if (local) return local;
  }
  return undefined;
}

/**
 * The way in, as the trunk's own PBX would call: `--from IP` in the ACL, else an ACL address of
 * this host, else the first digest credential (from `--from` or 127.0.0.1). Either way the From
 * user is the trunk's caller id (or "trunkline-check") and, with digest, the credential's user
 * name goes only in the auth user, as PBXs send it.
 */
export function chooseAdmission(trunk: TrunkDetail, from: string | undefined): Admission | string {
  const covered = (ip: string) => trunk.acl.some((e) => inCidr(ip, e.ip, e.mask));
  const aclCaller = trunk.callerId ?? "trunkline-check";
  if (from && covered(from)) return { kind: "acl", from, caller: aclCaller };
  const acl = from ? undefined : aclAddressOfThisHost(trunk);
  if (acl) return { kind: "acl", from: acl, caller: aclCaller };
  const cred = trunk.credentials[0];
  if (cred) return { kind: "digest", from: from ?? "127.0.0.1", caller: aclCaller, user: cred.username, password: cred.password };
  if (from) return `${from} is not in the trunk's ACL and the trunk has no credential`;
  return "no ACL entry holds an address of this host and the trunk has no credential";
}

/** A UDP port free on `address` a moment ago (sipp binds it next). */
function freeUdpPort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket(ipaddr.parse(address).kind() === "ipv6" ? "udp6" : "udp4");
    s.once("error", reject);
    s.bind(0, address, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

interface SipMessage {
  sent: boolean;
  text: string;
}

/** sipp's -trace_msg file: blocks separated by dashed lines, each "UDP message sent|received ...". */
export function parseMessageLog(log: string): SipMessage[] {
  return log
    .split(/^-{20,}.*$/m)
    .map((block) => /^\s*(?:UDP|TCP|TLS|SCTP) message (sent|received)[^\n]*\n\n?([\s\S]*)$/.exec(block))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ sent: m[1] === "sent", text: (m[2] as string).replace(/\r/g, "").trim() }));
}

const header = (msg: string, name: string) => new RegExp(`^(?:${name}):\\s*(.*)$`, "mi").exec(msg)?.[1]?.trim();

interface Reply {
  code: number;
  reason: string;
  method: string;
  text: string;
}

function replies(messages: SipMessage[]): Reply[] {
  return messages
    .filter((m) => !m.sent && m.text.startsWith("SIP/2.0 "))
    .map((m) => {
      const [, code, reason] = /^SIP\/2\.0 (\d{3}) ?(.*)$/m.exec(m.text) ?? [];
      return { code: Number(code), reason: reason ?? "", method: header(m.text, "CSeq")?.split(/\s+/)[1] ?? "", text: m.text };
    });
}

export interface CallOptions {
  /** The edge's SIP address, host:port. */
  edge: string;
  number: string;
  admission: Admission;
  /** How long the answered call is held before BYE. */
  holdMs?: number;
  /** Bound on the whole call (sipp -timeout). */
  timeoutS?: number;
}

const why = (code: number) =>
  ({
    404: "the number is neither mapped to a trunk nor matched by a route prefix of the account: map it, or give a trunk a route prefix or none",
    480: "the trunk it routes to has no destination: add one (destination-uris)",
    503: "no destination took the call (down, refusing, or the trunk's max_channels reached): see the destination steps",
  })[code] ?? "see the edge's log for this call";

/**
 * Places one call through the edge with the shipped sipp scenario, as the trunk's PBX would, and
 * turns what sipp saw into the steps admission, route, answer and bye.
 */
export async function placeCall(trunk: TrunkDetail, opts: CallOptions): Promise<CheckStep[]> {
  const probe = spawnSync("sipp", ["-v"], { encoding: "utf8" });
  if (probe.error) return [{ name: "call", ok: false, detail: "sipp is not installed (--call places the test call with it)", fix: SIPP_INSTALL_HINT }];
  if (!existsSync(UAC_SCENARIO)) return [{ name: "call", ok: false, detail: `the sipp scenario ${UAC_SCENARIO} is missing`, fix: "reinstall trunkline (the scenario ships in examples/sipp)" }];
  const a = opts.admission;
  const dir = mkdtempSync(join(tmpdir(), "tl-check-"));
  try {
    const port = await freeUdpPort(a.from).catch((e: Error) => {
      throw new Error(`cannot bind ${a.from}: ${e.message}`);
    });
    const msgFile = join(dir, "messages.log");
    const errFile = join(dir, "errors.log");
    const args = [
      opts.edge, "-sf", UAC_SCENARIO, "-s", opts.number, "-key", "caller", a.caller,
      "-i", a.from, "-p", String(port), "-m", "1", "-d", String(opts.holdMs ?? 500), "-t", "u1",
      "-nostdin", "-timeout", `${opts.timeoutS ?? 20}s`, "-timeout_error", "-recv_timeout", "10000",
      "-trace_msg", "-message_file", msgFile, "-trace_err", "-error_file", errFile,
    ];
    if (a.kind === "digest") args.push("-au", a.user, "-ap", a.password);
    const exit = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn("sipp", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      child.on("error", (e) => resolve({ code: null, stderr: e.message }));
      child.on("exit", (code) => resolve({ code, stderr }));
    });
    const log = existsSync(msgFile) ? readFileSync(msgFile, "utf8") : "";
    return callSteps(trunk, opts, replies(parseMessageLog(log)), exit);
  } catch (error) {
    return [{ name: "call", ok: false, detail: (error as Error).message, fix: "pass --from with an address of this host" }];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function callSteps(trunk: TrunkDetail, opts: CallOptions, got: Reply[], exit: { code: number | null; stderr: string }): CheckStep[] {
  const a = opts.admission;
  const invite = got.filter((r) => r.method === "INVITE");
  const challenged = invite.some((r) => r.code === 407);
  const final = invite.filter((r) => r.code >= 200 && r.code !== 407).pop() ?? (challenged ? invite.filter((r) => r.code === 407).pop() : undefined);
  const steps: CheckStep[] = [];
  if (!final) {
    const detail = invite.length ? `no final response from the edge at ${opts.edge}` : `no response from the edge at ${opts.edge}`;
    return [{ name: "admission", ok: false, detail: `${detail}${exit.stderr ? ` (sipp: ${exit.stderr.trim().split("\n").pop()})` : ""}`, fix: "is the edge running and listening there? (trunkline edge / trunkline up)" }];
  }
  const refused = final.code === 403 || final.code === 407;
  const how = a.kind === "digest" ? `as ${a.user} from ${a.from}` : `from ${a.from}, in the trunk's ACL`;
  if (refused) {
    steps.push({
      name: "admission",
      ok: false,
      detail: `${challenged ? "challenged (407), then " : ""}${final.code} ${final.reason} ${how}`,
      fix: a.kind === "digest" ? "the edge refused the credential: is TRUNKLINE_SIP_REALM the edge's realm? is the edge in sync?" : "the edge does not admit this address: is the edge in sync (permissions reloaded)?",
    });
    return steps;
  }
  steps.push({ name: "admission", ok: true, detail: challenged ? `challenged (407), authenticated ${how}` : `admitted without a challenge ${how}` });

  if (final.code >= 200 && final.code < 300) {
    const contact = /<?sips?:(?:[^@>;]*@)?(\[[^\]]+\]|[^:;>]+)(?::(\d+))?/i.exec(header(final.text, "Contact|m") ?? "");
    const host = contact?.[1]?.replace(/^\[|\]$/g, "");
    const port = Number(contact?.[2] ?? 5060);
    const index = trunk.destinations.findIndex((d) => d.host === host && d.port === port);
    const which = index >= 0 ? `destination ${index + 1} of ${trunk.destinations.length} of this trunk` : "not a destination of this trunk: the number routes to another trunk";
    steps.push({ name: "route", ok: true, detail: `answered by ${host ?? "?"}:${port} (${which})` });
    steps.push({ name: "answer", ok: true, detail: `${final.code} ${final.reason}` });
  } else {
    steps.push({ name: "route", ok: false, detail: `no destination answered: ${final.code} ${final.reason}`, fix: why(final.code) });
    steps.push({ name: "answer", ok: false, detail: `${final.code} ${final.reason}`, fix: why(final.code) });
    return steps;
  }

  const bye = got.filter((r) => r.method === "BYE" && r.code >= 200).pop();
  steps.push(
    bye?.code === 200
      ? { name: "bye", ok: true, detail: "200 OK: hung up through the edge (Record-Route followed)" }
      : {
          name: "bye",
          ok: false,
          detail: bye ? `BYE answered ${bye.code} ${bye.reason}` : "BYE got no answer",
          fix: "in-dialog requests must reach the destination through the edge: check the edge's advertised address (TRUNKLINE_EDGE_ADVERTISE) and Record-Route",
        },
  );
  return steps;
}
