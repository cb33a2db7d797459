import { useState } from "preact/hooks";
import type { components } from "../../../../packages/client/src/index.js";
import { acct, data, errorText, exotel } from "../../api.js";
import type { Session } from "../../session.js";
import { Button } from "../../ui/button.js";
import { Field } from "../../ui/field.js";
import { useForm } from "../../ui/form.js";
import { Loading } from "../../ui/loading.js";
import { Notice } from "../../ui/notice.js";
import { Table } from "../../ui/table.js";
import { useLoad } from "../../ui/useLoad.js";

type Credential = components["schemas"]["ExotelCredential"];
type Pair = components["schemas"]["ExotelCredentialPair"];

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/** 20 characters from the browser's CSPRNG, at least one letter and one digit (the API's rule). */
export function newPassword(): string {
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(20));
    // 256 % 57 bias is negligible next to 20 characters of entropy; no need to reject samples.
    const p = Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
    if (/[A-Za-z]/.test(p) && /\d/.test(p)) return p;
  }
}

/** A credential as the table shows it: a listed one, or the only one (which has no name or dates). */
type Row = Pick<Credential, "id" | "username"> & { friendly_name: string | null; date_updated: string | null };

/**
 * GET credentials answers `response: []` for none, else `response.data`: `{username, password, id}`
 * for one (the reference's pair plus its id, an extension), a list for several.
 */
function asRows(response: { data?: Pair | Credential[] } | unknown[]): Row[] {
  if (Array.isArray(response)) return [];
  const d = response.data;
  if (Array.isArray(d)) return d;
  return d?.id ? [{ id: d.id, username: d.username, friendly_name: null, date_updated: null }] : [];
}

function Secret({ username, password }: { username: string; password: string }) {
  return (
    <Notice kind="success">
      Password for <strong>{username}</strong>:{" "}
      <span class="secret" data-testid="new-password">
        {password}
      </span>{" "}
      — copy it now; the console will not show it again.
    </Notice>
  );
}

/**
 * The trunk's SIP digest credentials. The console shows a password only when it sets one (create,
 * rotate), from the answer to that request, and never lists stored ones.
 */
export function CredentialsPanel({ session, trunkSid }: { session: Session; trunkSid: string }) {
  const path = { ...acct(session), trunk_sid: trunkSid };
  const list = useLoad(async () => asRows((await data(exotel(session).GET("/v2/accounts/{account_sid}/trunks/{trunk_sid}/credentials", { params: { path } }))).response), [trunkSid]);
  const [shown, setShown] = useState<{ username: string; password: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const form = useForm(["user_name", "friendly_name", "password"] as const, { user_name: "", friendly_name: "", password: "" }, "user_name");

  async function act(run: () => Promise<void>) {
    setError(null);
    try {
      await run();
      list.reload();
    } catch (e) {
      setError(errorText(e));
    }
  }
  const rotate = (c: Row) =>
    act(async () => {
      const password = newPassword();
      const body = await data(exotel(session).PUT("/v2/accounts/{account_sid}/trunks/{trunk_sid}/credentials/{id}", { params: { path: { ...path, id: c.id } }, body: { password } }));
      setShown({ username: body.response.data.username, password });
    });
  const remove = (c: Row) =>
    act(async () => {
      await data(exotel(session).DELETE("/v2/accounts/{account_sid}/trunks/{trunk_sid}/credentials", { params: { path, query: { id: c.id } } }));
      setShown(null);
    });
  async function add(e: Event) {
    e.preventDefault();
    const password = newPassword();
    const ok = await form.submit(async (v) => {
      const body = await data(exotel(session).POST("/v2/accounts/{account_sid}/trunks/{trunk_sid}/credentials", { params: { path }, body: { user_name: v.user_name, password, friendly_name: v.friendly_name || null } }));
      setShown({ username: body.response.data.username, password });
    });
    if (ok) {
      form.reset();
      list.reload();
    }
  }

  return (
    <section class="panel" aria-label="Credentials">
      <h2>Credentials</h2>
      {shown && <Secret {...shown} />}
      {error && <Notice kind="error">{error}</Notice>}
      {list.error && <Notice kind="error">{list.error}</Notice>}
      {list.loading && !list.data ? (
        <Loading />
      ) : (
        <Table
          caption="Credentials"
          captionHidden
          rows={list.data ?? []}
          rowKey={(c) => c.id}
          empty="No credentials: calls are admitted by whitelisted IP only."
          columns={[
            { title: "User name", cell: (c) => c.username },
            { title: "Name", cell: (c) => c.friendly_name ?? "" },
            { title: "Updated", cell: (c) => c.date_updated ?? "—" },
            {
              title: "Actions",
              cell: (c) => (
                <div class="actions">
                  <Button aria-label={`Rotate password of ${c.username}`} onClick={() => rotate(c)}>
                    Rotate password
                  </Button>
                  <Button kind="danger" aria-label={`Remove ${c.username}`} onClick={() => remove(c)}>
                    Remove
                  </Button>
                </div>
              ),
            },
          ]}
        />
      )}
      <form onSubmit={add} aria-label="Add a credential" novalidate>
        <div class="row">
          <Field label="User name" value={form.values.user_name} onInput={form.set("user_name")} error={form.errors.user_name} autoComplete="off" />
          <Field label="Credential name" value={form.values.friendly_name} onInput={form.set("friendly_name")} error={form.errors.friendly_name} />
        </div>
        {form.errors.password && <Notice kind="error">{form.errors.password}</Notice>}
        {form.errors[""] && <Notice kind="error">{form.errors[""]}</Notice>}
        <p class="hint">The password is generated in your browser and shown once.</p>
        <Button type="submit" kind="primary" busy={form.busy}>
          Add credential
        </Button>
      </form>
    </section>
  );
}
