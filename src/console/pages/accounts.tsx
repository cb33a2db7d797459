import { useState } from "preact/hooks";
import { listAccounts } from "../api.js";
import { href, type PageProps } from "../routes.js";
import { useSessionActions } from "../sessionActions.js";
import { accountSid } from "../session.js";
import { Button } from "../ui/button.js";
import { Loading } from "../ui/loading.js";
import { Notice } from "../ui/notice.js";
import { Table } from "../ui/table.js";
import { useLoad } from "../ui/useLoad.js";

const PAGE = 50;

/**
 * `#/accounts` (operators): every account, a cursor page at a time, each with "Manage" — the
 * console then addresses that account's Exotel paths (an operator's key may use any account's).
 */
export function AccountsPage({ session }: PageProps) {
  const { setActingAs } = useSessionActions();
  // Cursors of the pages seen so far: "Previous" goes back through them.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const after = cursors[cursors.length - 1];
  const page = useLoad(() => listAccounts(session, after, PAGE), [after]);
  if (!session.account.operator) return <Notice kind="error">Only operators see every account.</Notice>;
  const managed = accountSid(session);
  return (
    <>
      <h1>Accounts</h1>
      <p class="hint">
        You are managing <strong>{managed}</strong>. Choose “Manage” to see and change another account's trunks and calls as that account would.
      </p>
      {page.error && <Notice kind="error">{page.error}</Notice>}
      {page.loading && !page.data ? (
        <Loading what="Loading accounts" />
      ) : (
        <Table
          caption="Accounts"
          rows={page.data?.items ?? []}
          rowKey={(a) => a.id}
          columns={[
            { title: "Account", cell: (a) => <code>{a.id}</code> },
            { title: "Name", cell: (a) => a.attributes.name },
            { title: "Operator", cell: (a) => (a.attributes.operator ? "yes" : "no") },
            { title: "Trunks", numeric: true, cell: (a) => a.attributes.sip_trunk_count ?? "—" },
            { title: "Created", cell: (a) => a.attributes.created_at },
            {
              title: "Actions",
              cell: (a) =>
                a.id === managed ? (
                  <span>Managing</span>
                ) : (
                  <Button
                    onClick={() => {
                      setActingAs(a.id);
                      location.hash = href("/trunks");
                    }}
                  >
                    Manage {a.id}
                  </Button>
                ),
            },
          ]}
        />
      )}
      <div class="pager">
        <Button disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Previous page
        </Button>
        <Button disabled={!page.data?.next} onClick={() => page.data?.next && setCursors((c) => [...c, page.data?.next ?? undefined])}>
          Next page
        </Button>
      </div>
    </>
  );
}
