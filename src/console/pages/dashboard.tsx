import "./calls/pages.css";
import { acct, data, exotel } from "../api.js";
import { CallsChart } from "../chart/callsChart.js";
import { hourlyRows, peak, percent, type CallStats } from "../chart/stats.js";
import type { PageProps } from "../routes.js";
import { href } from "../routes.js";
import { Button } from "../ui/button.js";
import { Loading } from "../ui/loading.js";
import { ChannelMeter } from "../ui/meter.js";
import { Notice } from "../ui/notice.js";
import { Table } from "../ui/table.js";
import { useEvery } from "../ui/useEvery.js";
import { useLoad } from "../ui/useLoad.js";
import { listTrunkSummaries, maxChannelsByName } from "./calls/trunks.js";

/**
 * Live channels are read from the trunk list, which the API refreshes from the edges every 2 s:
 * one request per refresh (20 a minute of the account's rate limit, 200 by default).
 */
const LIVE_REFRESH_MS = 3000;
const STATS_REFRESH_MS = 60000;

/**
 * Live calls per trunk against max_channels, refreshed every few seconds, and the last 24 h of
 * calls per minute and answer rate (Calls/Stats.json) as a chart with its figures in text.
 */
export function DashboardPage({ session }: PageProps) {
  // The live counts are refreshed; the limits (a carrier read, rarely changed) once per visit.
  const trunks = useLoad(() => listTrunkSummaries(session), []);
  const limits = useLoad(() => maxChannelsByName(session), []);
  // Defaults: the last 24 h in minute buckets.
  const stats = useLoad(async (): Promise<CallStats> => (await data(exotel(session).GET("/v1/Accounts/{account_sid}/Calls/Stats.json", { params: { path: acct(session) } }))).Stats, []);
  useEvery(LIVE_REFRESH_MS, trunks.reload);
  useEvery(STATS_REFRESH_MS, stats.reload);

  return (
    <section aria-labelledby="dash-title" class="h6-page">
      <h1 id="dash-title">Dashboard</h1>
      <section aria-labelledby="live-title" class="panel h6-panel">
        <h2 id="live-title">Live calls</h2>
        {trunks.error && <Notice kind="error">{trunks.error}</Notice>}
        {limits.error && <Notice kind="error">Channel limits: {limits.error}</Notice>}
        {!trunks.data ? (
          trunks.loading && <Loading what="Loading trunks" />
        ) : (
          <>
            <p class="hint" data-testid="live-note">
              Channels in use per trunk, refreshed every {LIVE_REFRESH_MS / 1000} s. A call that comes in over one of your trunks and leaves over another uses a channel on
              each.
            </p>
            {trunks.data.length === 0 ? (
              <p>
                No trunks yet: <a href={href("/trunks")}>create one</a>.
              </p>
            ) : (
              <ul class="meters">
                {trunks.data.map((t) => (
                  <li key={t.sid}>
                    <ChannelMeter id={t.sid} label={t.name} value={t.activeCalls} max={limits.data?.get(t.name) ?? null} />
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </section>
      <section aria-labelledby="stats-title" class="panel h6-panel">
        <h2 id="stats-title">Calls over the last 24 hours</h2>
        {stats.error && <Notice kind="error">{stats.error}</Notice>}
        {!stats.data ? (
          stats.loading && <Loading what="Loading call statistics" />
        ) : (
          <StatsView stats={stats.data} onRefresh={stats.reload} />
        )}
      </section>
    </section>
  );
}

function StatsView({ stats, onRefresh }: { stats: CallStats; onRefresh: () => void }) {
  const top = peak(stats);
  const hours = hourlyRows(stats);
  const t = stats.Totals;
  return (
    <>
      <dl class="facts" data-testid="stats-summary">
        <dt>Calls</dt>
        <dd data-testid="stats-calls">{t.Calls}</dd>
        <dt>Answered</dt>
        <dd data-testid="stats-answered">{t.Answered}</dd>
        <dt>Failed</dt>
        <dd data-testid="stats-failed">{t.Failed}</dd>
        <dt>Answer rate</dt>
        <dd data-testid="stats-rate">{percent(t.AnswerRate)}</dd>
        <dt>Busiest minute (UTC)</dt>
        <dd>{top ? `${top.Start} — ${top.Calls} ${top.Calls === 1 ? "call" : "calls"}` : "—"}</dd>
      </dl>
      <p class="hint">
        {stats.StartTime} to {stats.EndTime} UTC, one bar per {stats.BucketSeconds / 60} min. <Button onClick={onRefresh}>Refresh</Button>
      </p>
      <CallsChart stats={stats} />
      <details class="chart-table">
        <summary>The chart's figures as a table (hours with calls)</summary>
        <Table
          caption="Calls per hour over the last 24 hours (UTC)"
          rows={hours}
          rowKey={(r) => r.hour}
          empty="No calls in the last 24 hours."
          columns={[
            { title: "Hour (UTC)", cell: (r) => r.hour },
            { title: "Calls", cell: (r) => r.calls, numeric: true },
            { title: "Answered", cell: (r) => r.answered, numeric: true },
            { title: "Failed", cell: (r) => r.failed, numeric: true },
            { title: "Answer rate", cell: (r) => percent(r.calls ? r.answered / r.calls : null), numeric: true },
          ]}
        />
      </details>
    </>
  );
}
