import type { components } from "../../../../packages/client/src/index.js";
import { acct, checkItems, data, exotel } from "../../api.js";
import type { Session } from "../../session.js";
import { Button } from "../../ui/button.js";
import { Field } from "../../ui/field.js";
import { useForm } from "../../ui/form.js";
import { Notice } from "../../ui/notice.js";
import { CHILD_PAGE, ChildList, offsetOf } from "./childList.js";

type Destination = components["schemas"]["ExotelDestination"];

/** A number field's value for the API: digits as a number, anything else as typed (the API names the problem). */
function num(v: string): number | undefined {
  if (v.trim() === "") return undefined;
  return /^-?\d+$/.test(v.trim()) ? Number(v) : (v as unknown as number);
}

function AddDestination({ session, trunkSid, reload }: { session: Session; trunkSid: string; reload: () => void }) {
  const form = useForm(["destination", "priority", "weight"] as const, { destination: "", priority: "0", weight: "1" });
  async function add(e: Event) {
    e.preventDefault();
    const ok = await form.submit(async (v) => {
      const body = await data(
        exotel(session).POST("/v2/accounts/{account_sid}/trunks/{trunk_sid}/destination-uris", {
          params: { path: { ...acct(session), trunk_sid: trunkSid } },
          body: { destinations: [{ destination: v.destination, priority: num(v.priority), weight: num(v.weight) }] },
        }),
      );
      checkItems(body.response as never);
    });
    if (ok) {
      form.reset();
      reload();
    }
  }
  return (
    <form onSubmit={add} aria-label="Add a destination" novalidate>
      <div class="row">
        <Field label="Destination" value={form.values.destination} onInput={form.set("destination")} error={form.errors.destination} placeholder="pbx.example.com:5061;transport=tls" />
        <Field label="Priority" inputMode="numeric" value={form.values.priority} onInput={form.set("priority")} error={form.errors.priority} hint="Lower is tried first" />
        <Field label="Weight" inputMode="numeric" value={form.values.weight} onInput={form.set("weight")} error={form.errors.weight} hint="Share among equal priorities" />
      </div>
      {form.errors[""] && <Notice kind="error">{form.errors[""]}</Notice>}
      <Button type="submit" kind="primary" busy={form.busy}>
        Add destination
      </Button>
    </form>
  );
}

function Health({ d }: { d: Destination }) {
  const state = d.health?.state ?? "unknown";
  return <span class={`state-${state === "up" || state === "down" ? state : "unknown"}`}>{state}</span>;
}

/**
 * Where the trunk's calls go, in failover order, with the edges' probe state of each. `onChanged`
 * after an add or a removal: the trunk's own fields follow its destinations (secure trunking is
 * enabled by a TLS destination).
 */
export function DestinationsPanel({ session, trunkSid, onChanged }: { session: Session; trunkSid: string; onChanged?: () => void }) {
  const path = { ...acct(session), trunk_sid: trunkSid };
  return (
    <ChildList<Destination>
      title="Destinations"
      load={async (offset) => {
        const body = await data(exotel(session).GET("/v2/accounts/{account_sid}/trunks/{trunk_sid}/destination-uris", { params: { path, query: { offset: String(offset), page_size: String(CHILD_PAGE) } } }));
        return { items: body.response.data, prev: offsetOf(body.metadata.prev_page_uri), next: offsetOf(body.metadata.next_page_uri) };
      }}
      columns={[
        { title: "Destination", cell: (d) => d.destination },
        { title: "Priority", numeric: true, cell: (d) => d.priority },
        { title: "Weight", numeric: true, cell: (d) => d.weight },
        { title: "Health", cell: (d) => <Health d={d} /> },
        { title: "Last probe RTT", numeric: true, cell: (d) => (d.health?.rtt_ms != null ? `${d.health.rtt_ms} ms` : "—") },
        { title: "Checked", cell: (d) => d.health?.checked_at ?? "never" },
      ]}
      rowKey={(d) => d.id}
      removeLabel={(d) => `Remove ${d.destination}`}
      remove={async (d) => {
        await data(exotel(session).DELETE("/v2/accounts/{account_sid}/trunks/{trunk_sid}/destination-uris", { params: { path, query: { id: d.id } } }));
        onChanged?.();
      }}
      add={(reload) => (
        <AddDestination
          session={session}
          trunkSid={trunkSid}
          reload={() => {
            reload();
            onChanged?.();
          }}
        />
      )}
    />
  );
}
