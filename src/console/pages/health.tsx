import "./calls/pages.css";
import { useCallback, useState } from "preact/hooks";
import { errorText } from "../api.js";
import type { PageProps } from "../routes.js";
import { href } from "../routes.js";
import { Button } from "../ui/button.js";
import { Loading } from "../ui/loading.js";
import { Notice } from "../ui/notice.js";
import { useEvery } from "../ui/useEvery.js";
import { useLoad } from "../ui/useLoad.js";
import { listTrunkSummaries } from "./calls/trunks.js";
import { PlatformHealth } from "./health/platform.js";
import { loadDestinations, TrunkHealth, type DestinationRow } from "./health/trunkHealth.js";

/** Trunks per page: each costs one destination-uris request per refresh. */
const PER_PAGE = 10;
/**
 * Edges probe every 10 s by default and call a destination down after 3 misses, so a 10 s
 * refresh misses nothing that matters; it costs (trunks on the page + 2 for operators) requests
 * every 10 s — at most 72 a minute of the account's rate limit (200 by default).
 */
const REFRESH_MS = 10_000;

/**
 * Health: the SIP edges and media relays (operators), then the managed account's trunks, each
 * with its destinations up/down as the edges' OPTIONS probes find them and a button running
 * `trunkline check` for it through the API.
 */
export function HealthPage({ session, params }: PageProps) {
  const page = Math.max(0, Number.parseInt(params.page ?? "0", 10) || 0);
  const [tick, setTick] = useState(0);
  const trunks = useLoad(() => listTrunkSummaries(session), []);
  const shown = (trunks.data ?? []).slice(page * PER_PAGE, (page + 1) * PER_PAGE);
  const key = shown.map((t) => t.sid).join(",");
  const destinations = useLoad(async () => {
    const settled = await Promise.allSettled(shown.map((t) => loadDestinations(session, t.sid)));
    return new Map(shown.map((t, i) => [t.sid, settled[i] as PromiseSettledResult<DestinationRow[]>]));
  }, [key, tick]);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  useEvery(REFRESH_MS, refresh);
  const pages = Math.ceil((trunks.data?.length ?? 0) / PER_PAGE);

  return (
    <section aria-labelledby="health-title" class="h6-page">
      <h1 id="health-title">Health</h1>
      {session.account.operator && <PlatformHealth session={session} tick={tick} />}
      <p class="hint">
        Destinations as the edges' SIP OPTIONS probes find them, refreshed every {REFRESH_MS / 1000} s. <Button onClick={refresh}>Refresh now</Button>
      </p>
      {trunks.error && <Notice kind="error">{trunks.error}</Notice>}
      {!trunks.data && trunks.loading && <Loading what="Loading trunks" />}
      {trunks.data?.length === 0 && (
        <p>
          No trunks yet: <a href={href("/trunks")}>create one</a>.
        </p>
      )}
      {shown.map((t) => {
        const r = destinations.data?.get(t.sid);
        return (
          <TrunkHealth
            key={t.sid}
            session={session}
            sid={t.sid}
            name={t.name}
            destinations={r?.status === "fulfilled" ? r.value : undefined}
            error={r?.status === "rejected" ? errorText(r.reason) : undefined}
          />
        );
      })}
      {pages > 1 && (
        <nav class="pager" aria-label="Pages of trunks">
          <a href={href("/health", { page: page > 0 ? String(page - 1) : undefined })} aria-disabled={page === 0 ? "true" : undefined}>
            ← Previous trunks
          </a>
          <span>
            Page {page + 1} of {pages}
          </span>
          {page + 1 < pages && <a href={href("/health", { page: String(page + 1) })}>Next trunks →</a>}
        </nav>
      )}
    </section>
  );
}
