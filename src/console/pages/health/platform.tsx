import { carrierGet } from "../../api.js";
import type { Session } from "../../session.js";
import { Loading } from "../../ui/loading.js";
import { Notice } from "../../ui/notice.js";
import { Table } from "../../ui/table.js";
import { useLoad } from "../../ui/useLoad.js";

interface Resource {
  id: string;
  attributes: Record<string, unknown>;
}

const text = (v: unknown) => (v === null || v === undefined || v === "" ? "—" : String(v));
const when = (v: unknown) => (typeof v === "string" && v.includes("T") ? `${v.slice(0, 10)} ${v.slice(11, 19)}` : text(v));

/** A platform state (`in_sync`, `syncing`, `degraded`, `down`, `up`, `stopped`) as words in the shell's colours: in sync/up good, down bad, the rest a warning. */
function StateWord({ state }: { state: unknown }) {
  const s = text(state);
  const tone = s === "in_sync" || s === "up" ? "up" : s === "down" ? "down" : "unknown";
  return <span class={`state-${tone}`}>{s.replace(/_/g, " ")}</span>;
}

async function list(session: Session, path: string): Promise<Resource[]> {
  return ((await carrierGet(session, path)) as { data: Resource[] }).data;
}

/** Operators: the SIP edges and media relays the API processes know (as /readyz does), with their state. */
export function PlatformHealth({ session, tick }: { session: Session; tick: number }) {
  const edges = useLoad(() => list(session, "/carrier/v1/edges"), [tick]);
  const relays = useLoad(() => list(session, "/carrier/v1/media_relays"), [tick]);
  return (
    <section class="panel h6-panel" aria-labelledby="platform-title">
      <h2 id="platform-title">Edges and media relays</h2>
      {edges.error && <Notice kind="error">Edges: {edges.error}</Notice>}
      {!edges.data ? (
        edges.loading && <Loading what="Loading edges" />
      ) : (
        <Table<Resource>
          caption="SIP edges"
          rows={edges.data}
          rowKey={(e) => e.id}
          empty="No edge is registered or configured: calls have no way in."
          columns={[
            { title: "SIP address", cell: (e) => text(e.attributes.sip_address) },
            { title: "State", cell: (e) => <span data-testid="edge-state"><StateWord state={e.attributes.state} /></span> },
            { title: "Last seen (UTC)", cell: (e) => (e.attributes.last_seen_at ? when(e.attributes.last_seen_at) : e.attributes.configured ? "configured, no heartbeat" : "—") },
            { title: "Region", cell: (e) => text(e.attributes.region) },
            { title: "Version", cell: (e) => text(e.attributes.version) },
            { title: "JSON-RPC", cell: (e) => text(e.attributes.rpc_url ?? e.id) },
          ]}
        />
      )}
      {relays.error && <Notice kind="error">Media relays: {relays.error}</Notice>}
      {!relays.data ? (
        relays.loading && <Loading what="Loading media relays" />
      ) : (
        <Table<Resource>
          caption="Media relays"
          rows={relays.data}
          rowKey={(r) => r.id}
          empty="No media relay: edges run signalling-only."
          columns={[
            { title: "Control (ng)", cell: (r) => text(r.attributes.ng_address ?? r.id) },
            { title: "Media address", cell: (r) => text(r.attributes.media_address) },
            { title: "State", cell: (r) => <StateWord state={r.attributes.state} /> },
            { title: "Last seen (UTC)", cell: (r) => when(r.attributes.last_seen_at) },
            { title: "Sessions", cell: (r) => text(r.attributes.sessions), numeric: true },
          ]}
        />
      )}
    </section>
  );
}
