import type { PopulatedTrunk } from "../helpers/fixtures.js";

export type Endpoint = readonly [method: string, path: string, body: unknown];

/**
 * Every endpoint that names a trunk, with valid bodies, aimed at `t` (paths relative to
 * /v2/accounts/{account_sid}). Sub-resources appear under both spellings where there are two.
 */
export function trunkEndpoints(t: Pick<PopulatedTrunk, "sid" | "number" | "numberId" | "ipId" | "destinationId" | "credentialId">): Endpoint[] {
  const base = `/trunks/${t.sid}`;
  const out: Endpoint[] = [
    ["GET", base, undefined],
    ["PUT", base, { trunk_name: "taken_over" }],
    ["DELETE", `/trunks?trunk_sid=${t.sid}`, undefined],
    ["GET", `${base}/credentials`, undefined],
    ["POST", `${base}/credentials`, { user_name: "intruder_user", password: "Intruder12345" }],
    ["PUT", `${base}/credentials/${t.credentialId}`, { password: "Intruder12345" }],
    ["DELETE", `${base}/credentials?id=${t.credentialId}`, undefined],
    ["GET", `${base}/settings`, undefined],
    ["POST", `${base}/settings`, { settings: [{ name: "trunk_external_alias", value: "+919876500999" }] }],
    ["DELETE", `${base}/settings?name=trunk_external_alias`, undefined],
  ];
  for (const spelling of ["phone-numbers", "phone_numbers"]) {
    out.push(
      ["GET", `${base}/${spelling}`, undefined],
      ["POST", `${base}/${spelling}`, { phone_number: "+919876500998" }],
      ["PUT", `${base}/${spelling}/${t.numberId}`, { phone_number: t.number, mode: "flow" }],
      ["DELETE", `${base}/${spelling}?id=${t.numberId}`, undefined],
    );
  }
  for (const spelling of ["whitelisted-ips", "whitelisted_ips"]) {
    out.push(
      ["GET", `${base}/${spelling}`, undefined],
      ["POST", `${base}/${spelling}`, { ip: "192.0.2.250", mask: 32 }],
      ["PUT", `${base}/${spelling}/${t.ipId}`, { ip: "192.0.2.251", mask: 32 }],
      ["DELETE", `${base}/${spelling}?id=${t.ipId}`, undefined],
    );
  }
  for (const spelling of ["destination-uris", "destination_uris"]) {
    out.push(
      ["GET", `${base}/${spelling}`, undefined],
      ["POST", `${base}/${spelling}`, { destinations: [{ destination: "192.0.2.252:5061;transport=tls" }] }],
      ["PUT", `${base}/${spelling}/${t.destinationId}`, { priority: 9 }],
      ["DELETE", `${base}/${spelling}?id=${t.destinationId}`, undefined],
    );
  }
  return out;
}
