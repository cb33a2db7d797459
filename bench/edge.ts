/**
 * SIP edge benchmark (npm run bench:edge; bounded, ~2 min; --quick ~1 min).
 *
 * 1. Propagation: time from the API's response to the first call that sees the change (a new
 *    number mapping), p50/p99, with a small store and again at size.
 * 2. Call setups per second through the edge, provisioned at size (10k trunks, 100k numbers,
 *    10k ACL entries, 10k destinations), against the same Kamailio running a bare relay config
 *    in the same run, interleaved; reported as a ratio (docs/benchmarks.md, "SIP edge"), with
 *    Kamailio's CPU time per call setup (from /proc), which holds even when the load generator
 *    limits the call rate.
 * 3. What call recording costs: a second edge on the same store rendered with `recordCalls:
 *    false` (the same script, nothing queued or written), interleaved with the other two; CPU per
 *    call of Kamailio (also without its JSON-RPC processes, and its record timer's share) and, on
 *    PostgreSQL, of the backends serving its connections (the INSERT's server side runs there; on
 *    SQLite it runs inside Kamailio's record timer process).
 *
 * Kamailio (and its PostgreSQL backends) are pinned to core 0; sipp (load and answering UAS) and
 * this process to core 1. Addresses 127.0.191.0/24.
 */
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { loadConfig } from "../src/config.js";
import { edgeOptions, type EdgeOptions } from "../src/edge/config.js";
import { syncCountryRules } from "../src/edge/countries.js";
import { requireKamailio, startKamailio, type EdgeProcess } from "../src/edge/process.js";
import { EdgeRpc } from "../src/edge/rpc.js";
import { buildServer } from "../src/http/server.js";
import { openRuntime } from "../src/runtime.js";
import { nowIso } from "../src/domain/time.js";
import { defaultRegions } from "../src/domain/regions.js";
import { seedStore } from "../src/store/seed.js";
import { engineFixture } from "../test/store/engines.js";
import { load, requireSipp, removeSippFiles, startUas, type Uas } from "../test/edge/sipp.js";
import { cpuMsOf, processTree, processTreeCpuMs } from "./lib/cpu.js";
import { pgBackendsOf } from "./lib/pgBackends.js";
import { freePort, LOAD_CORE, pinSelf, SERVER_CORE } from "./lib/proc.js";
import { SipProbe } from "./lib/sipProbe.js";
import { startRtpengine, requireRtpengine, type RunningRelay } from "../src/media/process.js";
import { mediaBench, MEDIA_DEFAULTS } from "./media.js";
import { fmt, median, percentile, range } from "./lib/stats.js";
import { stopChild } from "../test/helpers/process.js";

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? (argv[i + 1] as string) : fallback;
};
const QUICK = flag("--quick");
const ENGINE = option("--engine", "sqlite") as "sqlite" | "postgres";
const TRUNKS = Number(option("--trunks", QUICK ? "1000" : "10000"));
const NUMBERS = Number(option("--numbers", QUICK ? "10000" : "100000"));
const ROUNDS = Number(option("--rounds", QUICK ? "2" : "3"));
const SECONDS = Number(option("--seconds", QUICK ? "5" : "10"));
const SAMPLES = Number(option("--samples", QUICK ? "30" : "100"));
const CONCURRENCY = Number(option("--concurrency", "20"));
const DEADLINE = Date.now() + 12 * 60_000;
// How often the edges write their queued call records (TRUNKLINE_CALL_RECORD_FLUSH_MS); default the edge's.
const FLUSH_MS = option("--flush-ms", "");
// The edge anchoring media (and the relay benchmark after it): on unless --no-media.
const MEDIA = !flag("--no-media");

const log = (m: string) => console.error(`[bench:edge] ${m}`);
const server = (core: number) => ["taskset", "-c", String(core)];

/** The reference: the same Kamailio, relaying every INVITE to one address, nothing looked up. */
function bareConfig(o: EdgeOptions, target: string): string {
  return `#!KAMAILIO
debug=1
log_stderror=yes
children=${o.children}
auto_aliases=no
dns=no
rev_dns=no
listen=udp:${o.sipAddress}:${o.sipPort}
mpath="${o.modulePath}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "textops.so"
request_route {
	if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
	if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }
	if (has_totag()) {
		if (loose_route()) { t_relay(); exit; }
		if (is_method("ACK") && t_check_trans()) t_relay();
		exit;
	}
	t_check_trans();
	record_route();
	$du = "sip:${target}";
	if (!t_relay()) sl_reply_error();
}
`;
}

async function waitRpc(url: string, proc: EdgeProcess, output: () => string): Promise<number> {
  const t0 = performance.now();
  const rpc = new EdgeRpc(url, 1000);
  try {
    for (;;) {
      if (proc.child.exitCode !== null) throw new Error(`kamailio exited:\n${output().slice(-3000)}`);
      if (await rpc.call("core.uptime").then(() => true, () => false)) return performance.now() - t0;
      if (performance.now() - t0 > 120_000) throw new Error("kamailio not ready within 120 s");
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    rpc.close();
  }
}

/**
 * Kamailio's processes by role (RPC core.psx): its TCP receivers serve the API's JSON-RPC polls
 * (live calls' dlg.list, destination health, reloads; the load is UDP), the rtimer process writes
 * the call records. The polls' cost grows with the dialogs in memory (ended ones linger a few
 * seconds), so with the call rate a run happened to reach, not with recording.
 */
async function processRoles(url: string): Promise<{ rpc: number[]; timer: number[] }> {
  const rpc = new EdgeRpc(url, 2000);
  try {
    const list = await rpc.call<Array<{ PID: number; DSC: string }>>("core.psx");
    return { rpc: list.filter((p) => /tcp receiver/i.test(p.DSC)).map((p) => p.PID), timer: list.filter((p) => /rtimer/i.test(p.DSC)).map((p) => p.PID) };
  } finally {
    rpc.close();
  }
}

/** Kamailio answers SIP only once its children run; wait for a 404 to a number nobody holds. */
async function waitSip(probe: SipProbe): Promise<void> {
  const until = Date.now() + 60_000;
  while ((await probe.invite("+10000000000", 500)) === 0) if (Date.now() > until) throw new Error("edge not answering SIP");
}

async function main(): Promise<void> {
  requireKamailio();
  requireSipp();
  if (MEDIA) requireRtpengine();
  const pinned = pinSelf(LOAD_CORE);
  const fixture = await engineFixture(ENGINE);
  const stops: Array<() => Promise<void> | void> = [async () => fixture.dispose(), () => removeSippFiles()];
  try {
    const [sipPort, barePort, rpcPort, uasPort, busyPort, norecPort, norecRpcPort, mediaPort, mediaRpcPort, ngPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
    const rpcUrl = `http://127.0.0.1:${rpcPort}/RPC`;
    const norecRpcUrl = `http://127.0.0.1:${norecRpcPort}/RPC`;
    const mediaRpcUrl = `http://127.0.0.1:${mediaRpcPort}/RPC`;
    // The media edge's relay: its own rtpengine on core 0 beside Kamailio (ports 35000-35999;
    // the relay benchmark below uses 36000-39999).
    let relay: RunningRelay | undefined;
    if (MEDIA) {
      relay = await startRtpengine({ ngAddress: `127.0.191.9:${ngPort}`, interfaceAddress: "127.0.191.9", portMin: 35000, portMax: 35999, threads: 1, logLevel: 4, wrapper: server(SERVER_CORE) });
      const r = relay;
      stops.unshift(() => r.stop());
    }
    const config = loadConfig({
      DATABASE_URL: fixture.databaseUrl,
      TRUNKLINE_SECRET_KEY: randomBytes(32).toString("hex"),
      TRUNKLINE_DEMO: "1",
      TRUNKLINE_RATE_LIMIT_PER_MINUTE: "100000000",
      // Both edges (with and without recording) are the API's, so both get the same reloads and
      // the same polls (live calls, destination health): their idle CPU is alike.
      TRUNKLINE_EDGE_RPC_URLS: [rpcUrl, norecRpcUrl, ...(MEDIA ? [mediaRpcUrl] : [])].join(","),
      // Seeded numbers are 10% in flow mode: the flow application is the same answering UAS.
      TRUNKLINE_REGIONS: JSON.stringify(defaultRegions.map((r) => ({ ...r, flowUri: `sip:flow@127.0.191.200:${uasPort}` }))),
      LOG_LEVEL: "warn",
    });
    const runtime = await openRuntime(config, { store: { pgSchema: fixture.pgSchema } });
    const app = await buildServer(runtime);
    await app.listen({ port: 0, host: "127.0.0.1" });
    stops.unshift(async () => {
      await app.close();
      await runtime.close();
    });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await syncCountryRules(runtime.store);

    // Answering side: 200 for load calls (UDP), 486 for propagation probes.
    const uas: Uas = await startUas("127.0.191.200", uasPort, 200, "udp", { wrapper: server(LOAD_CORE) });
    const busy: Uas = await startUas("127.0.191.201", busyPort, 486, "tcp", { wrapper: server(LOAD_CORE) });
    stops.unshift(() => uas.stop(), () => busy.stop());

    // Provisioning through the Exotel API: the caller's trunk (its own account, so an unmapped
    // number is a 404) and the trunk whose numbers the propagation probe waits for.
    const api = async (method: string, path: string, body?: unknown) => {
      const auth = `Basic ${Buffer.from("exoteltest:a1b2c3d4e5f6g7h8i9j0").toString("base64")}`;
      const r = await fetch(`${base}/v2/accounts/exoteltest${path}`, { method, headers: { authorization: auth, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      const json = (await r.json()) as { response: { data?: { trunk_sid?: string } } };
      if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
      return json.response;
    };
    const callers = await runtime.services.accounts.create({ sid: "benchcallers" });
    const callerAuth = `Basic ${Buffer.from(`${callers.apiKey}:${callers.apiToken}`).toString("base64")}`;
    const callerTrunk = await fetch(`${base}/v2/accounts/benchcallers/trunks`, {
      method: "POST",
      headers: { authorization: callerAuth, "content-type": "application/json" },
      body: JSON.stringify({ trunk_name: "callers", nso_code: "ANY-ANY", domain_name: "callers.pstn.exotel.com" }),
    }).then(async (r) => ((await r.json()) as { response: { data: { trunk_sid: string } } }).response.data.trunk_sid);
    await fetch(`${base}/v2/accounts/benchcallers/trunks/${callerTrunk}/whitelisted-ips`, {
      method: "POST",
      headers: { authorization: callerAuth, "content-type": "application/json" },
      body: JSON.stringify({ ip: "127.0.191.0", mask: 28 }),
    });
    const propTrunk = (await api("POST", "/trunks", { trunk_name: "prop", nso_code: "ANY-ANY", domain_name: "prop.pstn.exotel.com" })).data?.trunk_sid as string;
    await api("POST", `/trunks/${propTrunk}/destination-uris`, { destinations: [{ destination: `127.0.191.201:${busyPort};transport=tcp` }] });
    for (let i = 0; i < 10; i++) await api("POST", `/trunks/${propTrunk}/phone-numbers`, { phone_number: `+9170000000${String(i).padStart(2, "0")}` });

    const options: EdgeOptions = {
      ...edgeOptions(config, { TRUNKLINE_EDGE_LISTEN: `127.0.191.1:${sipPort}`, TRUNKLINE_EDGE_RPC: `127.0.0.1:${rpcPort}`, TRUNKLINE_CALL_RECORD_FLUSH_MS: FLUSH_MS }),
      pgSchema: fixture.pgSchema,
      children: 4,
    };
    // The same edge on the same store without the record INSERT: what recording costs. And, with
    // --media (default), the edge anchoring media through its rtpengine (records on).
    type Which = "edge" | "norec" | "media" | "bare";
    type Edge = { options: EdgeOptions; rpcUrl: string; proc?: EdgeProcess; out: string; probe?: SipProbe };
    const edges: Partial<Record<Which, Edge>> = {
      edge: { options, rpcUrl, out: "" },
      norec: { options: { ...options, sipAddress: "127.0.191.3", sipPort: norecPort, rpcPort: norecRpcPort, recordCalls: false }, rpcUrl: norecRpcUrl, out: "" },
    };
    if (relay) edges.media = { options: { ...options, sipAddress: "127.0.191.4", sipPort: mediaPort, rpcPort: mediaRpcPort, media: { ng: [{ host: "127.0.191.9", port: ngPort }], retrySeconds: 5 } }, rpcUrl: mediaRpcUrl, out: "" };
    const edgeList = () => Object.values(edges) as Edge[];
    // One after the other: db_sqlite sets no busy timeout while modules initialise, so Kamailios
    // loading the same SQLite store at once fail with "database is locked".
    const startEdge = async () => {
      let first = NaN;
      for (const e of edgeList()) {
        e.out = "";
        const run = { wrapper: server(SERVER_CORE), shmMb: 512, pkgMb: 128 };
        const p = startKamailio(e.options, run);
        p.child.stderr?.on("data", (d: Buffer) => (e.out = (e.out + d.toString()).slice(-20000)));
        e.proc = p;
        const ms = await waitRpc(e.rpcUrl, p, () => e.out);
        if (Number.isNaN(first)) first = ms;
      }
      return first;
    };
    const stopEdge = async () => {
      for (const e of edgeList()) {
        if (!e.proc) continue;
        const pids = processTree(e.proc.child.pid as number);
        await stopChild(e.proc.child, 5000);
        // Workers whose main process had to be SIGKILLed would stay behind: ours are those still
        // running this config (a PID reused meanwhile is left alone).
        for (const pid of pids) {
          try {
            if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(e.proc.configPath)) process.kill(pid, "SIGKILL");
          } catch {
            // gone already
          }
        }
        e.proc.cleanup();
        e.proc = undefined;
      }
    };
    stops.unshift(stopEdge);
    await startEdge();
    await runtime.edge?.settled(60_000);
    let probeHost = 6;
    for (const e of edgeList()) {
      const pr = await SipProbe.open(`127.0.191.${probeHost++}`, `${e.options.sipAddress}:${e.options.sipPort}`);
      e.probe = pr;
      stops.unshift(() => pr.close());
    }
    const waitEdges = async () => {
      for (const e of edgeList()) await waitSip(e.probe as SipProbe);
    };
    await waitEdges();
    const probe = edges.edge?.probe as SipProbe;

    // Propagation: map a new number, then probe until a call to it is relayed (486 from the PBX).
    let seq = 0;
    const propagation = async (label: string) => {
      const samples: number[] = [];
      const apiMs: number[] = [];
      for (let i = 0; i < SAMPLES && Date.now() < DEADLINE; i++) {
        const number = `+9171${label === "small" ? "0" : "1"}${String(seq++).padStart(7, "0")}`;
        const t0 = performance.now();
        await api("POST", `/trunks/${propTrunk}/phone-numbers`, { phone_number: number });
        const t1 = performance.now();
        apiMs.push(t1 - t0);
        for (;;) {
          const sent = performance.now();
          const status = await probe.invite(number);
          if (status === 486) {
            samples.push(Math.max(0, sent - t1));
            break;
          }
          if (status !== 404) throw new Error(`probe for ${number}: unexpected ${status}`);
          if (sent - t1 > 10_000) throw new Error(`${number} not routed 10 s after the API answered`);
        }
      }
      samples.sort((a, b) => a - b);
      return { n: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99), max: samples[samples.length - 1] ?? NaN, api50: median(apiMs) };
    };
    log("propagation with a small store");
    const small = await propagation("small");

    log(`seeding ${TRUNKS} trunks, ${NUMBERS} numbers, one destination and one ACL entry per trunk`);
    const seeded = await seedStore(runtime.store, { accountSid: "exoteltest", trunks: TRUNKS, numbers: NUMBERS, region: { alias: "ap-south-1", sidCode: "mum" }, domainSuffix: ".pstn.exotel.com" });
    const db = runtime.store.db;
    const ids = (await db.selectFrom("trunks").select("id").where("account_sid", "=", "exoteltest").where("name", "!=", "prop").orderBy("id").execute()).map((r) => r.id);
    const now = nowIso();
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      await db.insertInto("destinations").values(chunk.map((trunk_id) => ({ trunk_id, host: "127.0.191.200", port: uasPort, transport: "udp", priority: 0, weight: 1, created_at: now, updated_at: now }))).execute();
      await db
        .insertInto("whitelisted_ips")
        .values(chunk.map((trunk_id, j) => ({ trunk_id, ip: `10.${((i + j) >> 16) & 255}.${((i + j) >> 8) & 255}.${(i + j) & 255}`, mask: 32, friendly_name: null, created_at: now, updated_at: now })))
        .execute();
    }
    log(`seeded in ${fmt.int(seeded.ms.trunks + seeded.ms.numbers)} ms; restarting the edge to load it`);
    await stopEdge();
    const loadMs = await startEdge();
    await waitEdges();
    const readyMs = loadMs;
    await runtime.edge?.settled(120_000);
    log("propagation at size");
    const large = await propagation("large");

    // Numbers the load calls dial: a spread of the seeded ones.
    const sample = await db.selectFrom("phone_numbers").select("number").where("number", "like", "+919%").orderBy("id").execute();
    const step = Math.max(1, Math.floor(sample.length / 5000));
    const numbersFile = join(tmpdir(), `tl-bench-numbers-${process.pid}.csv`);
    writeFileSync(numbersFile, `SEQUENTIAL\n${sample.filter((_, i) => i % step === 0).map((r) => r.number).join("\n")}\n`);
    stops.unshift(() => writeFileSync(numbersFile, ""));

    const bareOptions: EdgeOptions = { ...options, sipAddress: "127.0.191.2", sipPort: barePort };
    const bare = startKamailio(bareOptions, { wrapper: server(SERVER_CORE), shmMb: 512, pkgMb: 128, config: bareConfig(bareOptions, `127.0.191.200:${uasPort}`) });
    edges.bare = { options: bareOptions, rpcUrl: "", proc: bare, out: "" };
    bare.child.stderr?.on("data", (d: Buffer) => ((edges.bare as Edge).out = ((edges.bare as Edge).out + d.toString()).slice(-20000)));
    stops.unshift(async () => {
      await stopChild(bare.child, 5000);
      bare.cleanup();
    });
    await new Promise((r) => setTimeout(r, 1500));

    const WHICH = (["edge", "norec", "media", "bare"] as Which[]).filter((w) => edges[w]);
    const kamailioPid = (which: Which) => edges[which]?.proc?.child.pid as number;
    const target = (which: Which) => `${edges[which]?.options.sipAddress}:${edges[which]?.options.sipPort}`;
    // PostgreSQL: the backends serving each Kamailio's connections, pinned beside it (the record
    // INSERT's server side is part of the call's cost). Looked up again after each run, since a
    // worker may (re)connect during it; one that is new counts all its CPU.
    const backends = async (which: Which) => (ENGINE === "postgres" && which !== "bare" ? pgBackendsOf(fixture.databaseUrl, kamailioPid(which)) : []);
    const pinBackends = (pids: number[]) => pids.forEach((pid) => spawnSync("taskset", ["-p", "-c", String(SERVER_CORE), String(pid)]));
    for (const which of WHICH) pinBackends(await backends(which));
    // What each Kamailio burns with no calls at all (timers, idle workers), to read the per-call figures against.
    const idleBusy: Record<Which, number> = { edge: 0, norec: 0, media: 0, bare: 0 };
    for (const which of WHICH) {
      const pid = kamailioPid(which);
      const cpu0 = processTreeCpuMs(pid);
      await new Promise((r) => setTimeout(r, 3000));
      idleBusy[which] = (processTreeCpuMs(pid) - cpu0) / 3000;
    }
    log(`idle (share of a core): ${WHICH.map((w) => `${w} ${fmt.pct(idleBusy[w])}`).join(", ")}`);
    type Run = { cps: number; failed: number; cpuUsPerCall: number; storeUsPerCall: number; relayUsPerCall: number; rpcUsPerCall: number; timerUsPerCall: number; busy: number };
    const runs: Record<Which, Run[]> = { edge: [], norec: [], media: [], bare: [] };
    const roles: Partial<Record<Which, { rpc: number[]; timer: number[] }>> = {};
    for (const which of WHICH) if (edges[which]?.rpcUrl) roles[which] = await processRoles(edges[which]?.rpcUrl as string);
    log(`JSON-RPC processes: ${WHICH.map((w) => `${w} ${roles[w]?.rpc.join(",") ?? "-"}`).join("; ")}; record timer: ${WHICH.map((w) => `${w} ${roles[w]?.timer.join(",") ?? "-"}`).join("; ")}`);
    for (let r = 0; r < ROUNDS && Date.now() < DEADLINE; r++) {
      for (const which of WHICH) {
        const pid = kamailioPid(which);
        const store0 = await backends(which);
        pinBackends(store0);
        const storeCpu0 = new Map(store0.map((p) => [p, cpuMsOf([p])]));
        const cpu0 = processTreeCpuMs(pid);
        const rpcCpu0 = cpuMsOf(roles[which]?.rpc ?? []);
        const timerCpu0 = cpuMsOf(roles[which]?.timer ?? []);
        const relayCpu0 = relay ? cpuMsOf([relay.pid]) : 0;
        // BENCH_PERF=1: a perf profile of each Kamailio's run, for finding where a config's CPU goes.
        const perf = process.env.BENCH_PERF ? spawn("perf", ["record", "-F", "999", "-g", "-o", `data/bench/perf-${which}-${r}.data`, "-p", processTree(pid).join(",")], { stdio: "ignore" }) : undefined;
        const res = await load({ edge: target(which), from: "127.0.191.5", numbersFile, seconds: SECONDS, concurrency: CONCURRENCY, wrapper: server(LOAD_CORE) });
        const cpuMs = processTreeCpuMs(pid) - cpu0;
        const rpcMs = cpuMsOf(roles[which]?.rpc ?? []) - rpcCpu0;
        const timerMs = cpuMsOf(roles[which]?.timer ?? []) - timerCpu0;
        if (perf) {
          const done = new Promise((res) => perf.once("exit", res));
          perf.kill("SIGINT");
          await done;
        }
        const relayMs = which === "media" && relay ? cpuMsOf([relay.pid]) - relayCpu0 : 0;
        const store1 = [...new Set([...store0, ...(await backends(which))])];
        const storeMs = store1.reduce((a, p) => a + cpuMsOf([p]) - (storeCpu0.get(p) ?? 0), 0);
        const calls = Math.max(1, res.ok);
        const run = {
          cps: res.ok / Math.max(1, res.seconds),
          failed: res.failed,
          cpuUsPerCall: (cpuMs * 1000) / calls,
          storeUsPerCall: (storeMs * 1000) / calls,
          relayUsPerCall: (relayMs * 1000) / calls,
          rpcUsPerCall: (rpcMs * 1000) / calls,
          timerUsPerCall: (timerMs * 1000) / calls,
          busy: cpuMs / (Math.max(1, res.seconds) * 1000),
        };
        runs[which].push(run);
        log(`round ${r + 1} ${which}: ${fmt.int(run.cps)} calls/s (${res.failed} failed), Kamailio ${fmt.int(run.cpuUsPerCall)} µs CPU per call (JSON-RPC ${fmt.int(run.rpcUsPerCall)}, record timer ${fmt.int(run.timerUsPerCall)})${ENGINE === "postgres" ? ` + PostgreSQL ${fmt.int(run.storeUsPerCall)} µs (${store1.length} backends)` : ""}${which === "media" ? ` + rtpengine ${fmt.int(run.relayUsPerCall)} µs` : ""}, core ${fmt.pct(run.busy)} busy`);
        if (process.env.BENCH_DEBUG) log((edges[which]?.out ?? "").slice(-1500));
      }
    }
    const recorded = await db.selectFrom("calls").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst();

    const cps = (w: Which) => runs[w].map((x) => x.cps);
    const cpuPerCall = (w: Which) => median(runs[w].map((x) => x.cpuUsPerCall));
    const storePerCall = (w: Which) => median(runs[w].map((x) => x.storeUsPerCall));
    const relayPerCall = (w: Which) => (w === "media" ? median(runs[w].map((x) => x.relayUsPerCall)) : 0);
    const coreBusy = (w: Which) => median(runs[w].map((x) => x.busy));
    const pg = ENGINE === "postgres";
    // Recording's cost per round (the two edges ran back to back), then the median and range of those ratios.
    const perRound = (f: (x: (typeof runs)["edge"][number]) => number) => runs.edge.map((x, i) => f(x) / f(runs.norec[i] ?? x));
    const kamRatio = perRound((x) => x.cpuUsPerCall);
    const totalRatio = perRound((x) => x.cpuUsPerCall + x.storeUsPerCall);
    const sipRatio = perRound((x) => x.cpuUsPerCall - x.rpcUsPerCall);
    const sipTotalRatio = perRound((x) => x.cpuUsPerCall - x.rpcUsPerCall + x.storeUsPerCall);
    const ratioText = (rs: number[]) => `${(median(rs) * 100 - 100).toFixed(1)}% (rounds ${rs.map((x) => `${(x * 100 - 100).toFixed(1)}%`).join(", ")})`;
    const row = (w: Which, title: string) => {
      const [lo, hi] = range(cps(w));
      const total = cpuPerCall(w) + storePerCall(w) + relayPerCall(w);
      const bareTotal = cpuPerCall("bare");
      return `| ${title} | ${fmt.int(median(cps(w)))} | ${fmt.int(lo)}–${fmt.int(hi)} | ${runs[w].reduce((a, x) => a + x.failed, 0)} | ${fmt.pct(median(cps(w)) / median(cps("bare")))} | ${fmt.int(cpuPerCall(w))} |${pg ? ` ${fmt.int(storePerCall(w))} |` : ""}${MEDIA ? ` ${w === "media" ? fmt.int(relayPerCall(w)) : "—"} |` : ""} ${fmt.pct(coreBusy(w))} | ${(total / bareTotal).toFixed(2)}× |`;
    };
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${process.platform}, Node ${process.version}`;
    let report = [
      `### ${new Date().toISOString().slice(0, 16)}Z — ${ENGINE}${QUICK ? " (quick)" : ""}`,
      "",
      `Machine: ${machine}. Pinning: ${pinned ? `Kamailio${pg ? " and the PostgreSQL backends of its connections" : ""} on core 0; sipp (load + UAS), API server and probe on core 1` : "none (taskset failed)"}.`,
      `Store: ${ENGINE}, ${fmt.int(TRUNKS)} trunks, call records written every ${options.recordFlushMs} ms, ${fmt.int(NUMBERS)} numbers, ${fmt.int(TRUNKS)} ACL entries, ${fmt.int(TRUNKS)} destinations. Kamailio 4 UDP children, ${CONCURRENCY} concurrent calls (closed loop; each call INVITE/100/200/ACK/BYE/200), ${ROUNDS} × ${SECONDS} s per config, interleaved (${WHICH.join(", ")}; ${fmt.int(Number(recorded?.n ?? 0))} call records written). Failed calls include those still in flight when a run's time ran out. 20 concurrent calls is where the load generator (sipp UAC and UAS, one core) still completes every call; at 50 or 100 it loses calls to retransmission timeouts, so the call rate is the generator's and Kamailio's CPU per call is the edge's cost.${MEDIA ? " The media edge's calls carry SDP (offer in the INVITE, answer in the 200): rtpengine offer, answer and delete per call; no RTP flows in this load (the relay's packet rate is the next section)." : ""}`,
      "",
      `| | call setups/s (median) | range | failed calls | ratio to bare | Kamailio CPU µs per call (median) |${pg ? " PostgreSQL backends' CPU µs per call |" : ""}${MEDIA ? " rtpengine CPU µs per call |" : ""} Kamailio's core busy | CPU ratio to bare (all columns) |`,
      `|---|---:|---:|---:|---:|---:|${pg ? "---:|" : ""}${MEDIA ? "---:|" : ""}---:|---:|`,
      row("bare", "bare relay (same Kamailio, no lookups)"),
      row("norec", "trunkline edge, call recording off (`recordCalls: false`)"),
      row("edge", "trunkline edge (records every call)"),
      ...(MEDIA ? [row("media", "trunkline edge, records every call, media anchored through rtpengine")] : []),
      "",
      `**Call recording's cost** (edge ÷ edge without recording, per round, median): Kamailio CPU per call +${ratioText(kamRatio)}${pg ? `; Kamailio + PostgreSQL backends +${ratioText(totalRatio)}` : " (on SQLite the INSERT runs inside Kamailio)"}. Target ≤ +15%.`,
      "",
      `The same without the Kamailio processes serving the API's JSON-RPC polls (TCP receivers; their cost follows the dialogs in memory, i.e. the call rate a run reached): Kamailio +${ratioText(sipRatio)}${pg ? `; with the PostgreSQL backends +${ratioText(sipTotalRatio)}` : ""}. Per call (median): JSON-RPC processes edge ${fmt.int(median(runs.edge.map((x) => x.rpcUsPerCall)))} µs, without recording ${fmt.int(median(runs.norec.map((x) => x.rpcUsPerCall)))} µs; the record timer process (batched INSERTs) ${fmt.int(median(runs.edge.map((x) => x.timerUsPerCall)))} µs.`,
      "",
      `Call setups one core of Kamailio could sustain at that CPU cost (1 s ÷ CPU per call): bare ${fmt.int(1e6 / cpuPerCall("bare"))}/s, edge without recording ${fmt.int(1e6 / cpuPerCall("norec"))}/s, edge ${fmt.int(1e6 / cpuPerCall("edge"))}/s${MEDIA ? `, media edge (Kamailio + rtpengine) ${fmt.int(1e6 / (cpuPerCall("media") + relayPerCall("media")))}/s` : ""}. With no calls, each Kamailio keeps this share of its core busy (included in the figures above): ${WHICH.map((w) => `${w} ${fmt.pct(idleBusy[w])}`).join(", ")}.`,
      "",
      "Propagation: from the API's response (POST phone-numbers) to the first call relayed to the new number.",
      "",
      "| store | samples | p50 ms | p99 ms | max ms | API response p50 ms |",
      "|---|---:|---:|---:|---:|---:|",
      `| ~10 numbers | ${small.n} | ${fmt.ms(small.p50)} | ${fmt.ms(small.p99)} | ${fmt.ms(small.max)} | ${fmt.ms(small.api50)} |`,
      `| ${fmt.int(NUMBERS)} numbers, ${fmt.int(TRUNKS)} trunks | ${large.n} | ${fmt.ms(large.p50)} | ${fmt.ms(large.p99)} | ${fmt.ms(large.max)} | ${fmt.ms(large.api50)} |`,
      "",
      `Edge start at size (process start to JSON-RPC answering, all tables loaded): ${fmt.int(readyMs)} ms.`,
      "",
    ].join("\n");
    // The relay's packet rate, after every Kamailio of the SIP part has stopped.
    let mediaReport = "";
    if (MEDIA) {
      for (const stop of stops.splice(0, stops.length - 2)) await Promise.resolve(stop()).catch((e: unknown) => log(`cleanup: ${(e as Error).message}`));
      log("media relay benchmark");
      mediaReport = await mediaBench(QUICK ? { ...MEDIA_DEFAULTS, seconds: 3, steps: MEDIA_DEFAULTS.steps.slice(0, 3) } : MEDIA_DEFAULTS);
    }
    report += mediaReport ? `\n${mediaReport}` : "";
    console.log(report);
    mkdirSync("data/bench", { recursive: true });
    writeFileSync(`data/bench/edge-${Date.now()}.md`, report);
    if (!flag("--no-write")) appendReport(report);
  } finally {
    for (const stop of stops) await Promise.resolve(stop()).catch((e: unknown) => log(`cleanup: ${(e as Error).message}`));
  }
}

/** Appends under "## SIP edge" in docs/benchmarks.md, adding the section (with how to repeat) once. */
function appendReport(report: string): void {
  const path = "docs/benchmarks.md";
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  if (!text.includes("\n## SIP edge\n")) {
    appendFileSync(
      path,
      `\n## SIP edge\n\nCall setups per second through the Kamailio edge at size, as a ratio to the same Kamailio with a bare\nrelay config measured in the same run, and propagation from API response to a call that sees the\nchange. How it works: [edge.md](edge.md).\n\n\`\`\`\nnpm run bench:edge                 # ~2 min: 10k trunks, 100k numbers, 3 rounds × 10 s\nnpx tsx bench/edge.ts --quick      # ~2 min smoke run\nnpx tsx bench/edge.ts --engine postgres\n\`\`\`\n\n`,
    );
  }
  appendFileSync(path, `${report}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
