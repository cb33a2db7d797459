import { after, before, describe } from "node:test";
import { NgClient } from "../../src/media/ng.js";
import { requireRtpengine, startRtpengine, type RunningRelay } from "../../src/media/process.js";
import { startEdgeStack, type EdgeStack } from "../edge/harness.js";
import { freePort } from "../helpers/process.js";
import { until } from "../helpers/wait.js";
import type { EngineName } from "../helpers/stores.js";

/**
 * The edge stack of test/edge/harness.ts with media anchored: a real rtpengine (userspace) whose
 * media interface and ng listener are on the edge's address, and the edge started with
 * TRUNKLINE_MEDIA_NG naming it. The relay can be stopped and started again on the same addresses.
 */
export interface MediaStack {
  edge: EdgeStack;
  /** The edge's media address: what every SDP either side receives must name. */
  mediaHost: string;
  /** The relay's ng address (ip:port), as call records name it. */
  ngAddress: string;
  /** An ng client of the relay (query / list / statistics). */
  ng: NgClient;
  relay(): RunningRelay | undefined;
  /** Kills the relay (SIGKILL, as a crash), or starts it again on the same addresses. */
  killRelay(): Promise<void>;
  startRelay(): Promise<void>;
  /** Waits until the relay holds no session (what a failed, canceled or ended call must leave). */
  noSessions(timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

export async function startMediaStack(engine: EngineName, sipAddress: string, ports: { min: number; max: number }, env: NodeJS.ProcessEnv = {}): Promise<MediaStack> {
  requireRtpengine();
  const ngAddress = `${sipAddress}:${await freePort()}`;
  let relay: RunningRelay | undefined;
  const launch = async () => {
    relay = await startRtpengine({ ngAddress, interfaceAddress: sipAddress, portMin: ports.min, portMax: ports.max, threads: 2 });
  };
  await launch();
  let edge: EdgeStack;
  try {
    edge = await startEdgeStack(engine, sipAddress, { TRUNKLINE_MEDIA_NG: ngAddress, TRUNKLINE_MEDIA_RETRY_SECONDS: "1", ...env });
  } catch (error) {
    await relay?.stop();
    throw error;
  }
  const ng = new NgClient(ngAddress, { timeoutMs: 1000, retransmitMs: 300 });
  return {
    edge,
    mediaHost: sipAddress,
    ngAddress,
    ng,
    relay: () => relay,
    async killRelay() {
      await relay?.stop(0);
      relay = undefined;
    },
    startRelay: launch,
    async noSessions(timeoutMs = 3000) {
      let held: string[] = [];
      await until("the relay holds no session", async () => ((held = await ng.list()).length === 0 ? true : undefined), timeoutMs).catch(() => undefined);
      return held;
    },
    async close() {
      ng.close();
      await edge.close();
      await relay?.stop();
    },
  };
}

/** One `describe` on `engine` with its own media stack (API, store, Kamailio, rtpengine). */
export function describeMedia(title: string, engine: EngineName, sipAddress: string, ports: { min: number; max: number }, suite: (stack: () => MediaStack) => void, env: NodeJS.ProcessEnv = {}): void {
  describe(`${title} [${engine}]`, () => {
    let stack: MediaStack | undefined;
    before(async () => {
      stack = await startMediaStack(engine, sipAddress, ports, env);
    });
    after(async () => {
      await stack?.close();
    });
    suite(() => {
      if (!stack) throw new Error(`the ${engine} media stack did not start`);
      return stack;
    });
  });
}
