import { randomBytes } from "node:crypto";
import type { Store } from "../../src/store/db.js";
import type { Insertable } from "kysely";
import type { CallHopsTable, CallsTable } from "../../src/store/schema.js";

/**
 * Call records as the edge writes them (one row per finished call, hops beside it). In
 * production Kamailio inserts these; the API tests insert them with Kysely instead.
 */
export type CallFixture = Partial<Insertable<CallsTable>> & { hops?: Omit<Insertable<CallHopsTable>, "call_sid">[] };

export function newCallSid(): string {
  return randomBytes(16).toString("hex");
}

/** ISO time `seconds` before now, whole seconds. */
export function ago(seconds: number): string {
  return new Date(Math.floor(Date.now() / 1000) * 1000 - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export async function insertCall(store: Store, call: CallFixture = {}): Promise<string> {
  const { hops, ...fields } = call;
  const sid = fields.sid ?? newCallSid();
  const started = fields.started_at ?? ago(3600);
  await store.db
    .insertInto("calls")
    .values({
      account_sid: null,
      from_number: "+14155550100",
      to_number: "+14155550199",
      status: "failed",
      sip_code: 403,
      sip_reason: "Forbidden",
      ended_at: started,
      call_id: `${sid}@127.0.0.1`,
      ...fields,
      sid,
      started_at: started,
    })
    .execute();
  if (hops?.length) await store.db.insertInto("call_hops").values(hops.map((h) => ({ ...h, call_sid: sid }))).execute();
  return sid;
}

/** The trunks table id of a trunk, by its Exotel sid. */
export async function trunkIdOf(store: Store, trunkSid: string): Promise<{ id: number; uuid: string }> {
  return store.db.selectFrom("trunks").select(["id", "uuid"]).where("sid", "=", trunkSid).executeTakeFirstOrThrow();
}
