import "./calls/pages.css";
import type { ComponentChildren } from "preact";
import { acct, carrier, data, exotel } from "../api.js";
import type { PageProps } from "../routes.js";
import { href } from "../routes.js";
import { Loading } from "../ui/loading.js";
import { Notice } from "../ui/notice.js";
import { Table } from "../ui/table.js";
import { useLoad } from "../ui/useLoad.js";
import { directionLabel, seconds } from "./calls/query.js";
import { StatusBadge } from "./calls/status.js";

/** One attempt at a destination: each failed hop, then the final answer. */
interface Attempt {
  n: number;
  destination: string;
  code: number;
  reason: string;
  time: string;
  final: boolean;
}

/** ISO `2026-11-30T09:12:01Z` as the v1 API writes times. */
const v1Time = (iso: string | null | undefined) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : "—");

/**
 * One call record (Exotel v1 with details=true): each destination tried in failover order with its
 * SIP answer, the final answer, times and media figures. Answer time and ring time come from the
 * carrier view of the same record (`phone_calls`; an operator acting as an account reads it as
 * that account, api.ts sending Trunkline-Account).
 */
export function CallPage({ session, params }: PageProps) {
  const sid = params.sid ?? "";
  const call = useLoad(() => data(exotel(session).GET("/v1/Accounts/{account_sid}/Calls/{call_sid}", { params: { path: { ...acct(session), call_sid: sid }, query: { details: "true" } } })), [sid]);
  const timing = useLoad(() => data(carrier(session).GET("/carrier/v1/phone_calls/{id}", { params: { path: { id: sid } } })).then((d) => d.data.attributes), [sid]);

  const back = (
    <p>
      <a href={href("/calls")}>← All calls</a>
    </p>
  );
  if (call.loading && !call.data) return <Loading what="Loading the call" />;
  if (call.error || !call.data)
    return (
      <section class="h6-page">
        <h1>
          Call <span class="sid">{sid}</span>
        </h1>
        {back}
        <Notice kind="error">{call.error ?? "No such call"}</Notice>
      </section>
    );
  const c = call.data.Call;
  const hops = c.Details?.Hops ?? [];
  const attempts: Attempt[] = hops.map((h) => ({ n: h.Hop, destination: h.Destination, code: h.SipCode, reason: h.SipReason, time: h.Time, final: false }));
  const t = timing.data;
  const lastDestination = c.Destination ?? t?.destination ?? null;
  // The final answer's time: the 200 when answered (carrier view), else the end of the attempt.
  const finalAt = t?.answered_at ? v1Time(t.answered_at) : (c.EndTime ?? c.DateUpdated);
  if (c.Attempts > 0 || lastDestination) attempts.push({ n: hops.length + 1, destination: lastDestination ?? "—", code: c.SipCode, reason: c.SipReason, time: finalAt, final: true });

  return (
    <section aria-labelledby="call-title" class="h6-page">
      <h1 id="call-title">
        Call <span class="sid">{c.Sid}</span>
      </h1>
      {back}
      <dl class="facts" data-testid="call-facts">
        <Fact name="Status">
          <StatusBadge status={c.Status} />
        </Fact>
        <Fact name="Final answer" testid="call-final">
          {c.SipCode} {c.SipReason}
        </Fact>
        <Fact name="From">{c.From}</Fact>
        <Fact name="To">{c.To}</Fact>
        <Fact name="Direction">{directionLabel(c.Direction)}</Fact>
        <Fact name="Trunk in">{c.TrunkSid ? <a href={href(`/trunks/${c.TrunkSid}`)}>{c.TrunkSid}</a> : "—"}</Fact>
        <Fact name="Trunk out">{c.TrunkSidOut ? <a href={href(`/trunks/${c.TrunkSidOut}`)}>{c.TrunkSidOut}</a> : "—"}</Fact>
        <Fact name="Started (UTC)">{c.StartTime}</Fact>
        <Fact name="Answered (UTC)">{t ? v1Time(t.answered_at) : "—"}</Fact>
        <Fact name="Ended (UTC)">{c.EndTime ?? "—"}</Fact>
        <Fact name="Duration">{seconds(c.Duration)}</Fact>
        <Fact name="Ring time">{t && t.ring_ms !== null ? `${t.ring_ms} ms` : "—"}</Fact>
        <Fact name="Destinations tried">{c.Attempts}</Fact>
      </dl>
      <Table<Attempt>
        caption="Destinations tried, in failover order"
        rows={attempts}
        rowKey={(a) => String(a.n)}
        empty="No destination was tried: the edge answered the call itself."
        columns={[
          { title: "#", cell: (a) => a.n, numeric: true },
          { title: "Destination", cell: (a) => a.destination },
          { title: "SIP answer", cell: (a) => <span data-testid={`attempt-${a.n}`}>{`${a.code} ${a.reason}`}</span> },
          { title: "Time (UTC)", cell: (a) => a.time },
          { title: "Outcome", cell: (a) => (a.final ? "final answer" : "failed over") },
        ]}
      />
      <h2>Media</h2>
      {c.Media ? (
        <dl class="facts" data-testid="call-media">
          <Fact name="Relay">{c.Media.Relay}</Fact>
          <Fact name="Packets">{c.Media.Packets ?? "—"}</Fact>
          <Fact name="Bytes">{c.Media.Bytes ?? "—"}</Fact>
          <Fact name="Errors">{c.Media.Errors ?? "—"}</Fact>
        </dl>
      ) : (
        <p>No media figures: the call was not anchored by a media relay (or was never answered).</p>
      )}
      {timing.error && <Notice kind="info">Answer and ring times unavailable: {timing.error}</Notice>}
    </section>
  );
}

function Fact({ name, children, testid }: { name: string; children: ComponentChildren; testid?: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd data-testid={testid}>{children}</dd>
    </>
  );
}
