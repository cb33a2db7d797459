import type { EdgeReloader } from "../edge/reloader.js";
import { listEdges } from "../edge/registry.js";
import type { MediaRelayStatus } from "../media/status.js";
import type { Store } from "../store/db.js";

/**
 * What operators see of the platform (GET /carrier/v1/edges, /media_relays): the same facts as
 * /readyz — each edge's sync state from this process's reloader, each relay's ng poll — with
 * the registrations' own details (version, start) from the store.
 */

export interface EdgeView {
  /** The JSON-RPC URL: what an edge registers under, stable across its restarts. */
  rpcUrl: string;
  /** in_sync, syncing, degraded or down (the reloader's); `unknown` before this process met it. */
  state: string;
  sipAddress: string | null;
  region: string | null;
  version: string | null;
  startedAt: string | null;
  lastSeenAt: string | null;
  configured: boolean;
  failedUpdates: number;
  lastError: string | null;
}

export interface MediaRelayView {
  ngAddress: string;
  mediaAddress: string;
  /** up, down or stopped. */
  state: string;
  sessions: number | null;
  lastSeenAt: string;
  lastError: string | null;
}

export async function edgeViews(store: Store, reloader: EdgeReloader | undefined, forgetAfterSeconds?: number): Promise<EdgeView[]> {
  const registered = new Map((await listEdges(store, forgetAfterSeconds)).map((e) => [e.rpcUrl, e]));
  const views = new Map<string, EdgeView>();
  for (const s of reloader?.status() ?? []) {
    const r = registered.get(s.url);
    views.set(s.url, {
      rpcUrl: s.url,
      state: s.state,
      sipAddress: s.sipAddress ?? r?.sipAddress ?? null,
      region: s.region ?? r?.region ?? null,
      version: r?.version ?? null,
      startedAt: r?.startedAt ?? null,
      lastSeenAt: s.heartbeatAt ?? r?.heartbeatAt ?? null,
      configured: s.configured,
      failedUpdates: s.failedUpdates,
      lastError: s.lastError ?? null,
    });
  }
  // Registered since the reloader last looked: shown from the store alone.
  for (const r of registered.values()) {
    if (views.has(r.rpcUrl)) continue;
    views.set(r.rpcUrl, { rpcUrl: r.rpcUrl, state: r.live ? "unknown" : "down", sipAddress: r.sipAddress, region: r.region, version: r.version, startedAt: r.startedAt, lastSeenAt: r.heartbeatAt, configured: false, failedUpdates: 0, lastError: null });
  }
  return [...views.values()].sort((a, b) => a.rpcUrl.localeCompare(b.rpcUrl));
}

export function mediaRelayViews(media: MediaRelayStatus | undefined): MediaRelayView[] {
  return (media?.status() ?? [])
    .map((r) => ({ ngAddress: r.ngAddress, mediaAddress: r.mediaAddress, state: r.state, sessions: r.statistics?.sessionsCurrent ?? null, lastSeenAt: r.heartbeatAt, lastError: r.lastError ?? null }))
    .sort((a, b) => a.ngAddress.localeCompare(b.ngAddress));
}
