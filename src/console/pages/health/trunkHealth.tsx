import { useState } from "preact/hooks";
import { acct, data, errorText, exotel } from "../../api.js";
import { href } from "../../routes.js";
import type { Session } from "../../session.js";
import { Button } from "../../ui/button.js";
import { Notice } from "../../ui/notice.js";
import { Table } from "../../ui/table.js";
import { HealthBadge } from "../calls/status.js";

export interface DestinationRow {
  id: string;
  destination: string;
  priority: number;
  weight: number;
  health: { state: string; rtt_ms: number | null; checked_at: string | null };
}

/** The steps of `trunkline check`, as the API's check extension answers them. */
export interface CheckStep {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

const UNKNOWN = { state: "unknown", rtt_ms: null, checked_at: null };

/** A trunk's destinations (first 1,000) with the edges' probe state. */
export async function loadDestinations(session: Session, trunkSid: string): Promise<DestinationRow[]> {
  const page = await data(
    exotel(session).GET("/v2/accounts/{account_sid}/trunks/{trunk_sid}/destination-uris", { params: { path: { ...acct(session), trunk_sid: trunkSid }, query: { page_size: "1000" } } }),
  );
  return page.response.data.map((d) => ({ id: d.id, destination: d.destination, priority: d.priority, weight: d.weight, health: d.health ?? UNKNOWN }));
}

/** POST …/trunks/{sid}/check: the same steps as `trunkline check TRUNK`, run by the API against the edges. */
async function runCheck(session: Session, trunkSid: string): Promise<{ ok: boolean; steps: CheckStep[] }> {
  const body = await data(exotel(session).POST("/v2/accounts/{account_sid}/trunks/{trunk_sid}/check", { params: { path: { ...acct(session), trunk_sid: trunkSid } } }));
  return body.response.data;
}

const iso = (t: string | null) => (t ? `${t.slice(0, 10)} ${t.slice(11, 19)}` : "—");

/** One trunk: its destinations up/down with RTT and when the edges were last read, and its check button. */
export function TrunkHealth(props: { session: Session; sid: string; name: string; destinations: DestinationRow[] | undefined; error?: string | undefined }) {
  const { session, sid, name, destinations } = props;
  const [check, setCheck] = useState<{ busy: boolean; result?: { ok: boolean; steps: CheckStep[] }; error?: string }>({ busy: false });
  const start = async () => {
    setCheck({ busy: true });
    try {
      setCheck({ busy: false, result: await runCheck(session, sid) });
    } catch (e) {
      setCheck({ busy: false, error: errorText(e) });
    }
  };
  const headingId = `health-${sid}`;
  return (
    <section class="panel trunk-health" aria-labelledby={headingId} data-testid={`trunk-health-${sid}`}>
      <h2 id={headingId}>
        <a href={href(`/trunks/${sid}`)}>{name}</a> <span class="muted">{sid}</span>
      </h2>
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {destinations && (
        <Table<DestinationRow>
          caption={`Destinations of ${name}`}
          rows={destinations}
          rowKey={(d) => d.id}
          empty="No destinations: calls to this trunk's numbers have nowhere to go."
          columns={[
            { title: "Destination", cell: (d) => d.destination },
            { title: "Priority / weight", cell: (d) => `${d.priority} / ${d.weight}` },
            { title: "State", cell: (d) => <span data-testid={`dest-state-${d.id}`}><HealthBadge state={d.health.state} /></span> },
            { title: "Probe RTT", cell: (d) => (d.health.rtt_ms === null ? "—" : `${d.health.rtt_ms} ms`), numeric: true },
            { title: "Last read (UTC)", cell: (d) => iso(d.health.checked_at) },
          ]}
        />
      )}
      <div class="actions">
        <Button kind="primary" busy={check.busy} onClick={start} aria-label={`Check trunk ${name}`}>
          {check.busy ? "Checking…" : "Check this trunk"}
        </Button>
      </div>
      {check.error && <Notice kind="error">{check.error}</Notice>}
      {check.result && <CheckResult name={name} result={check.result} />}
    </section>
  );
}

function CheckResult({ name, result }: { name: string; result: { ok: boolean; steps: CheckStep[] } }) {
  const failed = result.steps.filter((s) => !s.ok).length;
  return (
    <div class="check-result" data-testid="check-result">
      <Notice kind={result.ok ? "success" : "error"}>{result.ok ? `${name} can carry a call now.` : `${failed} of ${result.steps.length} steps failed.`}</Notice>
      <ol class="steps">
        {result.steps.map((s, i) => (
          <li key={`${s.name}-${i}`} class={s.ok ? "step step-ok" : "step step-bad"} data-testid={`check-step-${s.name}`}>
            <span class="step-mark" aria-hidden="true">
              {s.ok ? "✔" : "✘"}
            </span>{" "}
            <strong>{s.name}</strong>
            <span class="visually-hidden">{s.ok ? " passed" : " failed"}</span>: {s.detail}
            {!s.ok && s.fix && <p class="hint">Fix: {s.fix}</p>}
          </li>
        ))}
      </ol>
    </div>
  );
}
