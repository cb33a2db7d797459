import "./calls/pages.css";
import { useEffect, useState } from "preact/hooks";
import { acct, data, exotel } from "../api.js";
import type { PageProps } from "../routes.js";
import { href } from "../routes.js";
import { Button } from "../ui/button.js";
import { Field, Select } from "../ui/field.js";
import { Loading } from "../ui/loading.js";
import { Notice } from "../ui/notice.js";
import { Table } from "../ui/table.js";
import { useLoad } from "../ui/useLoad.js";
import { cursorOf, type Cursor, DIRECTIONS, directionLabel, FILTER_KEYS, filtersOf, listQuery, seconds, STATUSES, type CallFilters } from "./calls/query.js";
import { listTrunkSummaries } from "./calls/trunks.js";
import { StatusBadge } from "./calls/status.js";

type V1Call = { Sid: string; StartTime: string; From: string; To: string; Direction: string | null; Status: string; SipCode: number; SipReason: string; Duration: string; TrunkSid: string | null; TrunkSidOut: string | null };

/**
 * Recent call records of the managed account (Exotel v1 Calls, newest first), filtered by trunk,
 * status, direction and a UTC date range, paged with the list's own cursors. The filters and the
 * cursor live in the hash, so Back returns to the page the user came from.
 */
export function CallsPage({ session, params }: PageProps) {
  const filters = filtersOf(params);
  const [draft, setDraft] = useState<CallFilters>(filters);
  const applied = JSON.stringify(filters);
  // Back/Forward change the hash under the form: show the filters of the list on screen.
  useEffect(() => setDraft(JSON.parse(applied) as CallFilters), [applied]);
  const trunks = useLoad(() => listTrunkSummaries(session), []);
  const query = listQuery(filters, { after: params.after, before: params.before, window: params.window });
  const calls = useLoad(() => data(exotel(session).GET("/v1/Accounts/{account_sid}/Calls.json", { params: { path: acct(session), query } })), [JSON.stringify(query)]);
  const trunkName = (sid: string) => trunks.data?.find((t) => t.sid === sid)?.name ?? sid;
  const trunkPair = (tin: string | null, tout: string | null) => [tin, tout].map((s) => (s ? trunkName(s) : "—")).join(" → ");
  const go = (f: CallFilters, cursor: Cursor = {}) => {
    location.hash = href("/calls", { ...f, ...cursor });
  };
  const set = (k: keyof CallFilters) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const page = calls.data;
  const older = cursorOf(page?.Metadata.NextPageUri);
  const newer = cursorOf(page?.Metadata.PrevPageUri);
  const rows = (page?.Calls ?? []) as V1Call[];

  return (
    <section aria-labelledby="calls-title" class="h6-page">
      <h1 id="calls-title">Calls</h1>
      <form
        class="filters"
        aria-label="Filter calls"
        onSubmit={(e) => {
          e.preventDefault();
          go(draft);
        }}
      >
        <div class="row">
        <Select
          label="Trunk"
          value={draft.trunk}
          onChange={set("trunk")}
          options={[{ value: "", label: "All trunks" }, ...(trunks.data ?? []).map((t) => ({ value: t.sid, label: t.name }))]}
        />
        <Select label="Status" value={draft.status} onChange={set("status")} options={[{ value: "", label: "Any status" }, ...STATUSES.map((s) => ({ value: s, label: s }))]} />
        <Select label="Direction" value={draft.direction} onChange={set("direction")} options={[{ value: "", label: "Both directions" }, ...DIRECTIONS]} />
        <Field label="Started from (UTC)" type="datetime-local" value={draft.from} onInput={set("from")} />
        <Field label="Started until (UTC)" type="datetime-local" value={draft.to} onInput={set("to")} hint="Up to 31 days; empty: the last 31 days" />
        </div>
        <div class="actions">
          <Button type="submit" kind="primary">
            Apply filters
          </Button>
          <Button
            onClick={() => {
              const empty = Object.fromEntries(FILTER_KEYS.map((k) => [k, ""])) as unknown as CallFilters;
              setDraft(empty);
              go(empty);
            }}
          >
            Clear
          </Button>
          <Button onClick={calls.reload}>Refresh</Button>
        </div>
      </form>
      {calls.error && <Notice kind="error">{calls.error}</Notice>}
      {trunks.error && <Notice kind="error">Trunks: {trunks.error}</Notice>}
      {calls.loading && !page ? (
        <Loading what="Loading calls" />
      ) : (
        page && (
          <>
            <Table<V1Call>
              caption="Recent calls, newest first (times in UTC)"
              rows={rows}
              rowKey={(c) => c.Sid}
              empty="No calls match these filters."
              columns={[
                {
                  title: "Started",
                  cell: (c) => (
                    <a href={href(`/calls/${c.Sid}`)} data-testid={`call-${c.Sid}`} aria-label={`Call of ${c.StartTime} from ${c.From} to ${c.To}`}>
                      {c.StartTime}
                    </a>
                  ),
                },
                { title: "From", cell: (c) => c.From },
                { title: "To", cell: (c) => c.To },
                { title: "Direction", cell: (c) => directionLabel(c.Direction) },
                { title: "Status", cell: (c) => <StatusBadge status={c.Status} /> },
                { title: "SIP", cell: (c) => `${c.SipCode} ${c.SipReason}` },
                { title: "Duration", cell: (c) => seconds(c.Duration), numeric: true },
                { title: "Trunks (in → out)", cell: (c) => trunkPair(c.TrunkSid, c.TrunkSidOut) },
              ]}
            />
            <nav class="pager" aria-label="Pages of calls">
              <Button disabled={!newer} onClick={() => newer && go(filters, newer)}>
                ← Newer calls
              </Button>
              <Button disabled={!older} onClick={() => older && go(filters, older)}>
                Older calls →
              </Button>
            </nav>
          </>
        )
      )}
    </section>
  );
}
