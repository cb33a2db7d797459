import { Poller } from "../edge/poller.js";
import { DEFAULT_FORGET_AFTER_SECONDS } from "../edge/registry.js";
import type { ComponentLog } from "../log.js";
import type { Store } from "../store/db.js";
import { NgClient, type RelayStatistics } from "./ng.js";
import { listMediaRelays } from "./registry.js";

/**
 * What API processes know about the media relays: every relay registered in the store, asked for
 * its ng `statistics` in the background every interval, so /readyz and /metrics answer from
 * memory. A relay is `up` while it answers, `down` when it does not (crashed, unreachable), and
 * `stopped` after a clean stop (listed, but no cause for concern).
 */

export const MEDIA_STATUS_INTERVAL_MS = 2000;
/** Each relay's answer is waited for this long per poll. */
const NG_TIMEOUT_MS = 1000;

export type RelayState = "up" | "down" | "stopped";

export interface RelayStatus {
  ngAddress: string;
  mediaAddress: string;
  state: RelayState;
  heartbeatAt: string;
  heartbeatAgeSeconds: number;
  /** Counters of its last answer in this poll; absent when it did not answer. */
  statistics?: Omit<RelayStatistics, "raw">;
  lastError?: string;
}

export interface MediaStatusOptions {
  store: Store;
  intervalMs?: number;
  forgetAfterSeconds?: number;
  log?: ComponentLog;
}

export class MediaRelayStatus extends Poller {
  private relays: RelayStatus[] = [];
  private readonly clients = new Map<string, NgClient>();
  private readonly failing = new Set<string>();

  constructor(private readonly options: MediaStatusOptions) {
    super(options.intervalMs ?? MEDIA_STATUS_INTERVAL_MS, "media_status", options.log);
  }

  /** The relays as of the last poll, by ng address. */
  status(): RelayStatus[] {
    return this.relays;
  }

  /** `absent` with no relay registered, `degraded` when one that is not stopped does not answer. */
  check(): "absent" | "ok" | "degraded" {
    if (this.relays.length === 0) return "absent";
    return this.relays.some((r) => r.state === "down") ? "degraded" : "ok";
  }

  private client(address: string): NgClient {
    let c = this.clients.get(address);
    if (!c) {
      c = new NgClient(address, { timeoutMs: NG_TIMEOUT_MS, retransmitMs: NG_TIMEOUT_MS / 2 });
      this.clients.set(address, c);
    }
    return c;
  }

  protected async poll(): Promise<void> {
    let rows;
    try {
      rows = await listMediaRelays(this.options.store, this.options.forgetAfterSeconds ?? DEFAULT_FORGET_AFTER_SECONDS);
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, "could not read the media relays from the store; keeping the last status");
      return;
    }
    const next = await Promise.all(
      rows.map(async (row): Promise<RelayStatus> => {
        const base = { ngAddress: row.ngAddress, mediaAddress: row.mediaAddress, heartbeatAt: row.heartbeatAt, heartbeatAgeSeconds: row.ageSeconds };
        if (row.stoppedAt !== null) return { ...base, state: "stopped" };
        try {
          const { raw: _raw, ...statistics } = await this.client(row.ngAddress).statistics();
          if (this.failing.delete(row.ngAddress)) this.log.info({ ng: row.ngAddress }, "media relay answers again");
          return { ...base, state: "up", statistics };
        } catch (error) {
          const message = (error as Error).message;
          if (!this.failing.has(row.ngAddress)) this.log.warn({ ng: row.ngAddress, err: message }, "media relay does not answer ng statistics: media degraded");
          this.failing.add(row.ngAddress);
          return { ...base, state: "down", lastError: message };
        }
      }),
    );
    // Clients of relays no longer listed (forgotten) are closed.
    const listed = new Set(rows.map((r) => r.ngAddress));
    for (const [address, c] of this.clients) {
      if (!listed.has(address)) {
        c.close();
        this.clients.delete(address);
        this.failing.delete(address);
      }
    }
    this.relays = next;
  }

  override async stop(): Promise<void> {
    await super.stop();
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
