import { carrier, data } from "../../api.js";
import type { Session } from "../../session.js";
import { Loading } from "../../ui/loading.js";
import { Notice } from "../../ui/notice.js";
import { Table } from "../../ui/table.js";
import { useLoad } from "../../ui/useLoad.js";

type EdgeResource = { id: string; attributes: { state: string; rpc_url: string; sip_address: string | null; region: string | null; version: string | null; last_seen_at: string | null; configured: boolean; last_error: string | null } };
type RelayResource = { id: string; attributes: { state: string; ng_address: string; media_address: string; sessions: number | null; last_seen_at: string; last_error: string | null } };

const text = (v: unknown) => (v === null || v === undefined || v === "" ? "—" : String(v));
const when = (v: unknown) => (typeof v === "string" && v.includes("T") ? `${v.slice(0, 10)} ${v.slice(11, 19)}` : text(v));

/** A platform state (`in_sync`, `syncing`, `degraded`, `down`, `up`, `stopped`) as words in the shell's colours: in sync/up good, down bad, the rest a warning. */
function StateWord({ state }: { state: unknown }) {
  const s = text(state);
  const tone = s === "in_sync" || s === "up" ? "up" : s === "down" ? "down" : "unknown";
  return <span class={`state-${tone}`}>{s.replace(/_/g, " ")}</span>;
}


/** Operators: the SIP edges and media relays the API processes know (as /readyz does), with their state. */
export function PlatformHealth({ session, tick }: { session: Session; tick: number }) {
  const edges = useLoad(async (): Promise<EdgeResource[]> => (await data(carrier(session).GET("/carrier/v1/edges"))).data, [tick]);
  const relays = useLoad(async (): Promise<RelayResource[]> => (await data(carrier(session).GET("/carrier/v1/media_relays"))).data, [tick]);
  return (
    <section class="panel h6-panel" aria-labelledby="platform-title">
      <h2 id="platform-title">Edges and media relays</h2>
      {edges.error && <Notice kind="error">Edges: {edges.error}</Notice>}
      {!edges.data ? (
        edges.loading && <Loading what="Loading edges" />
      ) : (
        <Table<EdgeResource>
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
            { title: "JSON-RPC", cell: (e) => e.attributes.rpc_url },
            { title: "Last error", cell: (e) => text(e.attributes.last_error) },
          ]}
        />
      )}
      {relays.error && <Notice kind="error">Media relays: {relays.error}</Notice>}
      {!relays.data ? (
        relays.loading && <Loading what="Loading media relays" />
      ) : (
        <Table<RelayResource>
          caption="Media relays"
          rows={relays.data}
          rowKey={(r) => r.id}
          empty="No media relay: edges run signalling-only."
          columns={[
            { title: "Control (ng)", cell: (r) => r.attributes.ng_address },
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
