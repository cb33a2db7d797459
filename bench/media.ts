/**
 * Media relay benchmark: RTP packets a second one userspace rtpengine relays on one core, and its
 * loss (npx tsx bench/media.ts; also the last section of npm run bench:edge). Bounded: at most
 * STEPS.length steps of --seconds each, stopping at the first step that loses over 1% or that the
 * sender cannot keep up with, and never more than --max-packets packets in all.
 *
 * Sessions are set up through rtpengine's ng protocol (offer, then answer) as Kamailio's rtpengine
 * module would; each session is two Node UDP endpoints sending G.711-sized RTP (172-byte packets,
 * 50 a second each way) through the relay to each other. rtpengine (one worker thread) is pinned
 * to core 0, this process (sender and receiver) to core 1. Media ports 36000–39999 (bench:edge's media edge uses 35000–35999); addresses
 * 127.0.195.0/24 (relay), 127.0.196.0/24 (A side), 127.0.197.0/24 (B side).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { NgClient } from "../src/media/ng.js";
import { startRtpengine, type RunningRelay } from "../src/media/process.js";
import { cpuMsOf } from "./lib/cpu.js";
import { freePort, LOAD_CORE, pinSelf, SERVER_CORE } from "./lib/proc.js";
import { connectStream, G711_PPS, g711Sdp, pacedSend, rtpEndpoint, sdpTarget, type RtpEndpoint, type Stream } from "./lib/rtp.js";
import { fmt, percentile } from "./lib/stats.js";

export interface MediaBenchOptions {
  seconds: number;
  /** Packets a second (both directions together) per step. */
  steps: number[];
  maxPackets: number;
}

export const MEDIA_DEFAULTS: MediaBenchOptions = { seconds: 5, steps: [5_000, 10_000, 20_000, 40_000, 60_000, 80_000], maxPackets: 2_000_000 };

const log = (m: string) => console.error(`[bench:media] ${m}`);
const RELAY = "127.0.195.1";

interface Session {
  callId: string;
  a: RtpEndpoint;
  b: RtpEndpoint;
}

/** Runs the stepped load against a fresh rtpengine; returns the markdown section. */
export async function mediaBench(o: MediaBenchOptions = MEDIA_DEFAULTS): Promise<string> {
  const pinned = pinSelf(LOAD_CORE);
  const ngAddress = `${RELAY}:${await freePort()}`;
  const relay: RunningRelay = await startRtpengine({ ngAddress, interfaceAddress: RELAY, portMin: 36000, portMax: 39999, threads: 1, logLevel: 4, wrapper: ["taskset", "-c", String(SERVER_CORE)] });
  const ng = new NgClient(ngAddress, { timeoutMs: 5000, retransmitMs: 1000 });
  const sessions: Session[] = [];
  const setupMs: number[] = [];
  const rows: string[] = [];
  let budget = o.maxPackets;
  // CPU per relayed packet at the highest rate that ran: idle timers weigh least there.
  let usPerPacket = NaN;
  let topRate = 0;
  try {
    // Each rtpengine session takes 4 ports of the 4,000 (RTP and RTCP on each side).
    const maxSessions = Math.floor(4000 / 4) - 10;
    const open = async (n: number) => {
      while (sessions.length < n) {
        const i = sessions.length;
        const a = await rtpEndpoint(`127.0.196.${1 + (i % 250)}`);
        const b = await rtpEndpoint(`127.0.197.${1 + (i % 250)}`);
        const callId = `bench-media-${process.pid}-${i}`;
        const t0 = performance.now();
        const offer = await ng.offer({ "call-id": callId, "from-tag": `a${i}`, sdp: g711Sdp(a, i), ICE: "remove" });
        const answer = await ng.answer({ "call-id": callId, "from-tag": `a${i}`, "to-tag": `b${i}`, sdp: g711Sdp(b, i), ICE: "remove" });
        setupMs.push(performance.now() - t0);
        // A sends where the answer (as rewritten for A) says, B where the offer (for B) says.
        await connectStream(a, sdpTarget(answer.sdp));
        await connectStream(b, sdpTarget(offer.sdp));
        sessions.push({ callId, a, b });
      }
    };
    for (const pps of o.steps) {
      const n = Math.ceil(pps / (2 * G711_PPS));
      if (n > maxSessions) {
        log(`${pps} pps needs ${n} sessions, over the port range's ${maxSessions}: stopping`);
        break;
      }
      if (pps * o.seconds > budget) {
        log(`packet budget left (${budget}) is below the next step's: stopping`);
        break;
      }
      await open(n);
      const active = sessions.slice(0, n);
      const streams: Stream[] = active.flatMap((s, i) => [
        { from: s.a, ssrc: 0x1000 + i * 2, seq: 0 },
        { from: s.b, ssrc: 0x1001 + i * 2, seq: 0 },
      ]);
      for (const s of active) s.a.received = s.b.received = 0;
      const relayed0 = (await ng.statistics()).packets;
      const cpu0 = cpuMsOf([relay.pid]);
      const t0 = performance.now();
      const r = await pacedSend(streams, pps, o.seconds);
      const elapsed = (performance.now() - t0) / 1000;
      // What is still in the relay's queue arrives within a few ms; 300 ms is plenty.
      await new Promise((res) => setTimeout(res, 300));
      const cpuMs = cpuMsOf([relay.pid]) - cpu0;
      const received = active.reduce((acc, s) => acc + s.a.received + s.b.received, 0);
      // rtpengine's own count: what it took in and sent on. Sent − relayed is lost on the way in or
      // in the relay; relayed − received is lost on the way back to the load generator's sockets.
      const relayed = (await ng.statistics()).packets - relayed0;
      const relayLoss = r.sent > 0 ? Math.max(0, 1 - relayed / r.sent) : NaN;
      budget -= r.sent;
      const loss = r.sent > 0 ? 1 - received / r.sent : NaN;
      const achieved = r.sent / elapsed;
      usPerPacket = (cpuMs * 1000) / Math.max(1, relayed);
      topRate = achieved;
      rows.push(
        `| ${fmt.int(pps)} | ${fmt.int(n)} | ${fmt.int(achieved)} | ${fmt.int(r.sent)} | ${fmt.int(relayed)} | ${(relayLoss * 100).toFixed(3)}% | ${fmt.int(received)} | ${(loss * 100).toFixed(3)}% | ${fmt.pct(cpuMs / (elapsed * 1000))} | ${((cpuMs * 1000) / Math.max(1, relayed)).toFixed(2)} | ${fmt.int(r.lateMs)} |`,
      );
      log(`${fmt.int(pps)} pps target, ${n} sessions: sent ${fmt.int(achieved)}/s, relayed ${fmt.int(relayed)} (loss ${(relayLoss * 100).toFixed(3)}%), received ${fmt.int(received)} (end to end ${(loss * 100).toFixed(3)}%), rtpengine ${fmt.pct(cpuMs / (elapsed * 1000))} of its core`);
      if (relayLoss > 0.01) {
        log("the relay lost over 1%: stopping");
        break;
      }
      if (achieved < 0.9 * pps) {
        log("the sender (one core of Node) fell behind its schedule: stopping");
        break;
      }
    }
    const stats = await ng.statistics();
    const sorted = [...setupMs].sort((x, y) => x - y);
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${process.platform}, Node ${process.version}`;
    return [
      `### ${new Date().toISOString().slice(0, 16)}Z — media relay (rtpengine, userspace)`,
      "",
      `Machine: ${machine}. rtpengine ${(({ stdout, stderr }) => `${stdout}${stderr}`)(spawnSync("rtpengine", ["--version"], { encoding: "utf8" })).trim().replace(/^Version:\s*/, "")} with \`--table=-1\` (no kernel forwarding), one worker thread (\`--num-threads=1\`), ${pinned ? "pinned to core 0; the load (Node: paced UDP senders and the receivers, one process) on core 1" : "not pinned (taskset failed)"}. Each session set up by ng offer/answer; per session two endpoints each sending 50 packets/s of G.711 (12 + 160 bytes) through the relay to the other. ${o.seconds} s per step, paced every ms; end-to-end loss = packets not received 300 ms after the step, which on a loaded machine is mostly the load generator's own receive queue overflowing (it shares core 1 with the senders); the relay's loss is what rtpengine's counter did not relay. A step stops the run when the relay loses over 1% or the sender falls under 90% of its target rate. Bounded by ${fmt.int(o.maxPackets)} packets in all.`,
      "",
      "| target packets/s | sessions | sent/s | sent | relayed (rtpengine's count) | lost before or in the relay | received | lost end to end | rtpengine core busy | rtpengine CPU µs per packet | sender's worst backlog (ms) |",
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...rows,
      "",
      `At the highest rate that ran (${fmt.int(topRate)} packets/s), rtpengine spent ${usPerPacket.toFixed(2)} µs of CPU per relayed packet: one core at that cost would relay about **${fmt.int(1e6 / usPerPacket)} packets/s** (${fmt.int(1e6 / usPerPacket / (2 * 50))} G.711 calls, both directions). That estimate is linear; the table's measured rates are the evidence.`,
      "",
      `Session setup (ng offer + answer, sequential, loopback): p50 ${fmt.ms(percentile(sorted, 50))} ms, p99 ${fmt.ms(percentile(sorted, 99))} ms over ${sorted.length} sessions. rtpengine's own counters at the end: ${fmt.int(stats.packets)} packets relayed, ${fmt.int(stats.errors)} errors.`,
      "",
    ].join("\n");
  } finally {
    for (const s of sessions) await ng.delete({ "call-id": s.callId }).catch(() => undefined);
    for (const s of sessions) for (const e of [s.a, s.b]) e.socket.close();
    ng.close();
    await relay.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? Number(argv[i + 1]) : fallback;
  };
  const opts: MediaBenchOptions = {
    seconds: option("--seconds", MEDIA_DEFAULTS.seconds),
    steps: argv.includes("--steps") ? (argv[argv.indexOf("--steps") + 1] ?? "").split(",").map(Number) : MEDIA_DEFAULTS.steps,
    maxPackets: option("--max-packets", MEDIA_DEFAULTS.maxPackets),
  };
  mediaBench(opts).then(
    (report) => {
      console.log(report);
      mkdirSync("data/bench", { recursive: true });
      writeFileSync(`data/bench/media-${Date.now()}.md`, report);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
