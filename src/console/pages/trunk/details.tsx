import { useEffect, useState } from "preact/hooks";
import type { components } from "../../../../packages/client/src/index.js";
import { acct, checkItems, data, errorText, exotel } from "../../api.js";
import { href } from "../../routes.js";
import type { Session } from "../../session.js";
import { Button } from "../../ui/button.js";
import { Field, Select } from "../../ui/field.js";
import { useForm } from "../../ui/form.js";
import { Notice } from "../../ui/notice.js";
import { useLoad } from "../../ui/useLoad.js";

type Trunk = components["schemas"]["ExotelTrunk"];

const ALIAS = "trunk_external_alias" as const;

/** The trunk's own settings: name and authentication, caller id, delete. */
export function DetailsPanel({ session, trunk, onChanged }: { session: Session; trunk: Trunk; onChanged: () => void }) {
  const path = { ...acct(session), trunk_sid: trunk.trunk_sid };
  const form = useForm(["trunk_name", "auth_type"] as const, { trunk_name: trunk.trunk_name, auth_type: trunk.auth_type }, "trunk_name");
  const [saved, setSaved] = useState<string | null>(null);
  async function save(e: Event) {
    e.preventDefault();
    setSaved(null);
    const ok = await form.submit(async (v) => {
      await data(exotel(session).PUT("/v2/accounts/{account_sid}/trunks/{trunk_sid}", { params: { path }, body: { trunk_name: v.trunk_name, auth_type: v.auth_type } }));
    });
    if (ok) {
      setSaved("Trunk saved.");
      onChanged();
    }
  }
  return (
    <section class="panel" aria-label="Trunk settings">
      <h2>Settings</h2>
      <form onSubmit={save} aria-label="Edit trunk" novalidate>
        <div class="row">
          <Field label="Trunk name" value={form.values.trunk_name} onInput={form.set("trunk_name")} error={form.errors.trunk_name} />
          <Select label="Authentication" value={form.values.auth_type} onChange={form.set("auth_type")} error={form.errors.auth_type} options={[{ value: "IP-WHITELIST", label: "IP-WHITELIST (whitelisted IPs)" }, { value: "CREDENTIAL", label: "CREDENTIAL (digest credentials)" }]} />
        </div>
        {form.errors[""] && <Notice kind="error">{form.errors[""]}</Notice>}
        {saved && <Notice kind="success">{saved}</Notice>}
        <Button type="submit" kind="primary" busy={form.busy}>
          Save trunk
        </Button>
      </form>
      <CallerId session={session} trunkSid={trunk.trunk_sid} />
      <DeleteTrunk session={session} trunk={trunk} />
    </section>
  );
}

/** The caller id setting (`trunk_external_alias`; the carrier API's `default_sender`). */
function CallerId({ session, trunkSid }: { session: Session; trunkSid: string }) {
  const path = { ...acct(session), trunk_sid: trunkSid };
  const current = useLoad(async () => {
    const body = await data(exotel(session).GET("/v2/accounts/{account_sid}/trunks/{trunk_sid}/settings", { params: { path } }));
    return body.response.data.find((s) => s.name === ALIAS)?.value ?? "";
  }, [trunkSid]);
  // Keyed by the setting's name: the API's messages name it (`trunk_external_alias must be…`).
  const form = useForm([ALIAS] as const, { [ALIAS]: "" }, ALIAS);
  const [saved, setSaved] = useState(false);
  async function save(e: Event) {
    e.preventDefault();
    setSaved(false);
    const ok = await form.submit(async (v) => {
      if (v[ALIAS] === "") {
        await data(exotel(session).DELETE("/v2/accounts/{account_sid}/trunks/{trunk_sid}/settings", { params: { path, query: { name: ALIAS } } }));
        return;
      }
      const body = await data(exotel(session).POST("/v2/accounts/{account_sid}/trunks/{trunk_sid}/settings", { params: { path }, body: { settings: [{ name: ALIAS, value: v[ALIAS] }] } }));
      checkItems(body.response as never);
    });
    if (ok) {
      setSaved(true);
      current.reload();
    }
  }
  // The stored value fills the field once loaded (and after a save); clearing it removes the setting.
  useEffect(() => {
    if (current.data !== undefined) form.setValues({ [ALIAS]: current.data });
  }, [current.data]);
  return (
    <form onSubmit={save} aria-label="Caller id" novalidate>
      <h3>Caller id</h3>
      <Field label="Caller id (E.164)" value={form.values[ALIAS]} onInput={form.set(ALIAS)} error={form.errors[ALIAS]} hint="Sent as the caller on calls out over this trunk; empty to remove." placeholder="+919876543210" />
      {form.errors[""] && <Notice kind="error">{form.errors[""]}</Notice>}
      {saved && <Notice kind="success">Caller id saved.</Notice>}
      <Button type="submit" busy={form.busy}>
        Save caller id
      </Button>
    </form>
  );
}

function DeleteTrunk({ session, trunk }: { session: Session; trunk: Trunk }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function remove() {
    setBusy(true);
    try {
      await data(exotel(session).DELETE("/v2/accounts/{account_sid}/trunks", { params: { path: acct(session), query: { trunk_sid: trunk.trunk_sid } } }));
      location.hash = href("/trunks", { deleted: trunk.trunk_name });
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  }
  return (
    <div class="danger-zone">
      <h3>Delete</h3>
      {error && <Notice kind="error">{error}</Notice>}
      {confirming ? (
        <div class="actions" role="group" aria-label="Confirm delete">
          <span>Delete {trunk.trunk_name} with its numbers, IPs, destinations, credentials and settings?</span>
          <Button kind="danger" busy={busy} onClick={remove}>
            Yes, delete {trunk.trunk_name}
          </Button>
          <Button onClick={() => setConfirming(false)}>Cancel</Button>
        </div>
      ) : (
        <Button kind="danger" onClick={() => setConfirming(true)}>
          Delete trunk
        </Button>
      )}
    </div>
  );
}
