import type { components } from "../../../../packages/client/src/index.js";
import { acct, data, exotel } from "../../api.js";
import type { Session } from "../../session.js";
import { Button } from "../../ui/button.js";
import { Field } from "../../ui/field.js";
import { useForm } from "../../ui/form.js";
import { Notice } from "../../ui/notice.js";
import { CHILD_PAGE, ChildList, offsetOf } from "./childList.js";

type WhitelistedIp = components["schemas"]["ExotelWhitelistedIp"];

function AddIp({ session, trunkSid, reload }: { session: Session; trunkSid: string; reload: () => void }) {
  const form = useForm(["ip", "mask", "friendly_name"] as const, { ip: "", mask: "32", friendly_name: "" }, "ip");
  async function add(e: Event) {
    e.preventDefault();
    const ok = await form.submit(async (v) => {
      // A mask that is not a number goes as typed: the API's message names it.
      const mask = /^\d+$/.test(v.mask) ? Number(v.mask) : (v.mask as unknown as number);
      await data(exotel(session).POST("/v2/accounts/{account_sid}/trunks/{trunk_sid}/whitelisted-ips", { params: { path: { ...acct(session), trunk_sid: trunkSid } }, body: { ip: v.ip, mask, friendly_name: v.friendly_name || null } }));
    });
    if (ok) {
      form.reset();
      reload();
    }
  }
  return (
    <form onSubmit={add} aria-label="Whitelist an IP address" novalidate>
      <div class="row">
        <Field label="IP address" value={form.values.ip} onInput={form.set("ip")} error={form.errors.ip} placeholder="203.0.113.50" />
        <Field label="Mask" inputMode="numeric" value={form.values.mask} onInput={form.set("mask")} error={form.errors.mask} hint="32 = one address" />
        <Field label="Friendly name" value={form.values.friendly_name} onInput={form.set("friendly_name")} error={form.errors.friendly_name} />
      </div>
      {form.errors[""] && <Notice kind="error">{form.errors[""]}</Notice>}
      <Button type="submit" kind="primary" busy={form.busy}>
        Whitelist IP
      </Button>
    </form>
  );
}

/** Addresses whose calls the edge admits on this trunk (ACL). */
export function IpsPanel({ session, trunkSid }: { session: Session; trunkSid: string }) {
  const path = { ...acct(session), trunk_sid: trunkSid };
  return (
    <ChildList<WhitelistedIp>
      title="Whitelisted IPs"
      load={async (offset) => {
        const body = await data(exotel(session).GET("/v2/accounts/{account_sid}/trunks/{trunk_sid}/whitelisted-ips", { params: { path, query: { offset: String(offset), page_size: String(CHILD_PAGE) } } }));
        return { items: body.response.data, prev: offsetOf(body.metadata.prev_page_uri), next: offsetOf(body.metadata.next_page_uri) };
      }}
      columns={[
        { title: "Address", cell: (w) => `${w.ip}/${w.mask}` },
        { title: "Name", cell: (w) => w.friendly_name ?? "" },
        { title: "Added", cell: (w) => w.date_created },
      ]}
      rowKey={(w) => w.id}
      removeLabel={(w) => `Remove ${w.ip}/${w.mask}`}
      remove={(w) => data(exotel(session).DELETE("/v2/accounts/{account_sid}/trunks/{trunk_sid}/whitelisted-ips", { params: { path, query: { id: w.id } } }))}
      add={(reload) => <AddIp session={session} trunkSid={trunkSid} reload={reload} />}
    />
  );
}
