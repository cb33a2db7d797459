import type { components } from "../../../../packages/client/src/index.js";
import { acct, data, exotel } from "../../api.js";
import type { Session } from "../../session.js";
import { Button } from "../../ui/button.js";
import { Field, Select } from "../../ui/field.js";
import { useForm } from "../../ui/form.js";
import { Notice } from "../../ui/notice.js";
import { CHILD_PAGE, ChildList, offsetOf } from "./childList.js";

type PhoneNumber = components["schemas"]["ExotelPhoneNumber"];

function AddNumber({ session, trunkSid, reload }: { session: Session; trunkSid: string; reload: () => void }) {
  const form = useForm(["phone_number", "mode"] as const, { phone_number: "", mode: "pstn" }, "phone_number");
  async function add(e: Event) {
    e.preventDefault();
    const ok = await form.submit(async (v) => {
      await data(exotel(session).POST("/v2/accounts/{account_sid}/trunks/{trunk_sid}/phone-numbers", { params: { path: { ...acct(session), trunk_sid: trunkSid } }, body: { phone_number: v.phone_number, mode: v.mode } }));
    });
    if (ok) {
      form.reset();
      reload();
    }
  }
  return (
    <form onSubmit={add} aria-label="Map a phone number" novalidate>
      <div class="row">
        <Field label="Phone number" value={form.values.phone_number} onInput={form.set("phone_number")} error={form.errors.phone_number} placeholder="+919876543210" />
        <Select label="Mode" value={form.values.mode} onChange={form.set("mode")} error={form.errors.mode} options={[{ value: "pstn", label: "pstn (to the trunk's destinations)" }, { value: "flow", label: "flow (to the region's flow)" }]} />
      </div>
      {form.errors[""] && <Notice kind="error">{form.errors[""]}</Notice>}
      <Button type="submit" kind="primary" busy={form.busy}>
        Map number
      </Button>
    </form>
  );
}

/** The numbers mapped to the trunk (inbound routing). */
export function NumbersPanel({ session, trunkSid }: { session: Session; trunkSid: string }) {
  const path = { ...acct(session), trunk_sid: trunkSid };
  return (
    <ChildList<PhoneNumber>
      title="Phone numbers"
      load={async (offset) => {
        const body = await data(exotel(session).GET("/v2/accounts/{account_sid}/trunks/{trunk_sid}/phone-numbers", { params: { path, query: { offset: String(offset), page_size: String(CHILD_PAGE) } } }));
        return { items: body.response.data, prev: offsetOf(body.metadata.prev_page_uri), next: offsetOf(body.metadata.next_page_uri) };
      }}
      columns={[
        { title: "Number", cell: (n) => n.phone_number },
        { title: "Mode", cell: (n) => n.mode ?? "pstn" },
        { title: "Mapped", cell: (n) => n.date_created },
      ]}
      rowKey={(n) => n.id}
      removeLabel={(n) => `Remove ${n.phone_number}`}
      remove={(n) => data(exotel(session).DELETE("/v2/accounts/{account_sid}/trunks/{trunk_sid}/phone-numbers", { params: { path, query: { id: n.id } } }))}
      add={(reload) => <AddNumber session={session} trunkSid={trunkSid} reload={reload} />}
    />
  );
}
