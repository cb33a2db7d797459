import { useEffect, useState } from "preact/hooks";
import type { components } from "../../../packages/client/src/index.js";
import { acct, data, exotel } from "../api.js";
import { href, type PageProps } from "../routes.js";
import { accountSid, type Session } from "../session.js";
import { Button } from "../ui/button.js";
import { Field } from "../ui/field.js";
import { useForm } from "../ui/form.js";
import { Loading } from "../ui/loading.js";
import { Notice } from "../ui/notice.js";
import { Table } from "../ui/table.js";
import { useLoad } from "../ui/useLoad.js";

type Trunk = components["schemas"]["ExotelTrunk"];

const PAGE = 25;
const SID = /^tr[a-z]{3}[a-z0-9]{23}$/;

/** `offset` of an Exotel list URI (next_page_uri / prev_page_uri), or null. */
function offsetOf(uri: string | null | undefined): number | null {
  if (!uri) return null;
  return Number(new URL(uri, "http://x").searchParams.get("offset") ?? 0);
}

/**
 * One request for a page: the whole list oldest first, or a search — a sid through the list's
 * `trunk_sid` filter, a name through its `trunk_name` extension (names starting with the text,
 * case-sensitive, in name order; served by an index at any account size).
 */
async function listPage(session: Session, offset: number, text = "") {
  const filter = text === "" ? {} : SID.test(text) ? { trunk_sid: text } : { trunk_name: text };
  const query = { offset: String(offset), page_size: String(PAGE), ...filter };
  const body = await data(exotel(session).GET("/v2/accounts/{account_sid}/trunks", { params: { path: acct(session), query } }));
  return { items: body.response.data, prev: offsetOf(body.metadata.prev_page_uri), next: offsetOf(body.metadata.next_page_uri) };
}

function TrunkTable({ rows, caption }: { rows: Trunk[]; caption: string }) {
  return (
    <Table
      caption={caption}
      rows={rows}
      rowKey={(t) => t.trunk_sid}
      empty="No trunks."
      columns={[
        { title: "Name", cell: (t) => <a href={href(`/trunks/${t.trunk_sid}`)}>{t.trunk_name}</a> },
        { title: "Sid", cell: (t) => <code>{t.trunk_sid}</code> },
        { title: "Authentication", cell: (t) => t.auth_type },
        { title: "Active calls", numeric: true, cell: (t) => t.active_calls ?? "—" },
        { title: "Created", cell: (t) => t.date_created },
      ]}
    />
  );
}

function CreateTrunk({ session, suggestedDomain }: { session: Session; suggestedDomain: string }) {
  const form = useForm(["trunk_name", "domain_name", "nso_code"] as const, { trunk_name: "", domain_name: suggestedDomain, nso_code: "ANY-ANY" }, "trunk_name");
  const [suggested, setSuggested] = useState(suggestedDomain);
  // A better suggestion (from a listed trunk) replaces the old one unless the user typed their own.
  useEffect(() => {
    if (suggestedDomain === suggested) return;
    if (form.values.domain_name === suggested) form.set("domain_name")(suggestedDomain);
    setSuggested(suggestedDomain);
  }, [suggestedDomain]);
  async function create(e: Event) {
    e.preventDefault();
    await form.submit(async (v) => {
      const body = await data(exotel(session).POST("/v2/accounts/{account_sid}/trunks", { params: { path: acct(session) }, body: { trunk_name: v.trunk_name, domain_name: v.domain_name, nso_code: v.nso_code } }));
      location.hash = href(`/trunks/${body.response.data.trunk_sid}`, { created: "1" });
    });
  }
  return (
    <form onSubmit={create} aria-label="New trunk" novalidate>
      <h2>New trunk</h2>
      <div class="row">
        <Field label="Trunk name" value={form.values.trunk_name} onInput={form.set("trunk_name")} error={form.errors.trunk_name} hint="Up to 16 letters, digits or underscores; unique in the account." />
        <Field label="Domain name" value={form.values.domain_name} onInput={form.set("domain_name")} error={form.errors.domain_name} />
      </div>
      {form.errors.nso_code && <Notice kind="error">{form.errors.nso_code}</Notice>}
      {form.errors[""] && <Notice kind="error">{form.errors[""]}</Notice>}
      <Button type="submit" kind="primary" busy={form.busy}>
        Create trunk
      </Button>
    </form>
  );
}

/** `#/trunks`: the account's trunks a page at a time (Exotel list paging), search, and a create form. */
export function TrunksPage({ session, params }: PageProps) {
  const offset = Number(params.offset ?? 0) || 0;
  const query = params.q ?? "";
  const [text, setText] = useState(query);
  const list = useLoad(() => listPage(session, offset, query), [offset, query]);
  const rows = list.data?.items ?? [];
  const sample = rows[0]?.domain_name;
  const suggestedDomain = sample ? sample.replace(/^[^.]*/, accountSid(session)) : `${accountSid(session)}.pstn.exotel.com`;

  return (
    <>
      <h1>Trunks</h1>
      {params.deleted && <Notice kind="success">Trunk {params.deleted} deleted.</Notice>}
      <form
        role="search"
        aria-label="Find trunks"
        onSubmit={(e) => {
          e.preventDefault();
          location.hash = href("/trunks", { q: text.trim() });
        }}
      >
        <div class="row">
          <Field label="Find by name or sid" type="search" value={text} onInput={setText} hint="A name's beginning (case-sensitive), or a whole trunk sid." />
          <div class="actions">
            <Button type="submit">Search</Button>
            {query && (
              <Button
                onClick={() => {
                  setText("");
                  location.hash = href("/trunks");
                }}
              >
                Show all
              </Button>
            )}
          </div>
        </div>
      </form>
      {list.error && <Notice kind="error">{list.error}</Notice>}
      {list.loading && !list.data ? (
        <Loading what="Loading trunks" />
      ) : (
        <>
          <TrunkTable rows={rows} caption={query ? `Trunks whose name starts with “${query}”` : "Trunks"} />
          <nav class="pager" aria-label="Trunk pages">
            <Button disabled={list.data?.prev == null} onClick={() => (location.hash = href("/trunks", { ...(query ? { q: query } : {}), offset: String(list.data?.prev ?? 0) }))}>
              Previous page
            </Button>
            <Button disabled={list.data?.next == null} onClick={() => (location.hash = href("/trunks", { ...(query ? { q: query } : {}), offset: String(list.data?.next ?? 0) }))}>
              Next page
            </Button>
          </nav>
        </>
      )}
      <CreateTrunk session={session} suggestedDomain={suggestedDomain} />
    </>
  );
}
