import type { ExotelClient } from "./client.js";

/** A trunk with one of everything, and the ids of each (as the wire shows them). */
export interface PopulatedTrunk {
  sid: string;
  number: string;
  numberId: string;
  ipId: string;
  destinationId: string;
  /** The credential added by POST (the trunk also has its own, named after its sid). */
  credentialId: string;
}

async function dataOf(reply: Promise<{ status: number; text: string; body: { response: unknown } }>, what: string): Promise<{ id: string }> {
  const r = await reply;
  if (r.status !== 200) throw new Error(`${what} failed: ${r.status} ${r.text}`);
  const response = r.body.response as { data: { id: string } } | { data: { id: string } }[];
  return Array.isArray(response) ? (response[0] as { data: { id: string } }).data : response.data;
}

/**
 * Creates a trunk through the API and gives it a phone number, a whitelisted IP, a destination,
 * a second credential and the caller-id setting. `n` (0-99) keeps numbers and usernames unique
 * within one store.
 */
export async function populateTrunk(client: ExotelClient, name: string, n: number): Promise<PopulatedTrunk> {
  const sid = await client.createTrunk(name);
  const t = `/trunks/${sid}`;
  const suffix = String(n).padStart(2, "0");
  const number = `+9198765432${suffix}`;
  const numberId = (await dataOf(client.request("POST", `${t}/phone-numbers`, { phone_number: number, mode: "pstn" }), "map number")).id;
  const ipId = (await dataOf(client.request("POST", `${t}/whitelisted-ips`, { ip: `198.51.100.${n + 1}`, mask: 32 }), "whitelist ip")).id;
  const destinationId = (await dataOf(client.request("POST", `${t}/destination-uris`, { destinations: [{ destination: `sip${suffix}.example.com:5061;transport=tls` }] }), "add destination")).id;
  const credentialId = (await dataOf(client.request("POST", `${t}/credentials`, { user_name: `user_${name}_${suffix}`, password: "Secret123456" }), "add credential")).id;
  const alias = await client.request("POST", `${t}/settings`, { settings: [{ name: "trunk_external_alias", value: number }] });
  if (alias.status !== 200) throw new Error(`set alias failed: ${alias.status} ${alias.text}`);
  return { sid, number, numberId, ipId, destinationId, credentialId };
}
