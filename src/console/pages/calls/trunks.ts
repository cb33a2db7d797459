import { acct, carrier, data, exotel } from "../../api.js";
import type { Session } from "../../session.js";

/** The page size of the trunk lists these pages read: the Exotel maximum, one request. */
export const TRUNK_PAGE = 1000;

export interface TrunkSummary {
  sid: string;
  name: string;
  activeCalls: number;
}

/** The managed account's trunks (first 1,000, oldest first) with their live call counts: one request. */
export async function listTrunkSummaries(session: Session): Promise<TrunkSummary[]> {
  const page = await data(exotel(session).GET("/v2/accounts/{account_sid}/trunks", { params: { path: acct(session), query: { page_size: String(TRUNK_PAGE) } } }));
  return page.response.data.map((t) => ({ sid: t.trunk_sid, name: t.trunk_name, activeCalls: t.active_calls ?? 0 }));
}

/**
 * max_channels by trunk name (names are unique per account across both dialects), through the
 * carrier API — as the acted-as account for an operator (api.ts sends Trunkline-Account).
 */
export async function maxChannelsByName(session: Session): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>();
  const client = carrier(session);
  let after: string | undefined;
  // Bounded: 10 pages of 100 cover the 1,000 trunks the Exotel list gives.
  for (let i = 0; i < 10; i++) {
    const doc = await data(client.GET("/carrier/v1/sip_trunks", { params: { query: { "page[size]": "100", ...(after ? { "page[after]": after } : {}) } } }));
    for (const t of doc.data) if (t.attributes.name !== undefined) out.set(t.attributes.name, t.attributes.max_channels ?? null);
    const next = doc.links?.next;
    after = next ? (new URL(next, "http://x").searchParams.get("page[after]") ?? undefined) : undefined;
    if (!after) break;
  }
  return out;
}
