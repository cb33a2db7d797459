import assert from "node:assert/strict";
import { before, it } from "node:test";
import { TRANSPORT_MESSAGE } from "../../src/dialects/exotel/destination.js";
import type { ExotelErrorCode } from "../../src/dialects/exotel/envelope.js";
import { TRUNK_NAME_MESSAGE } from "../../src/dialects/exotel/trunkRules.js";
import { E164_MESSAGE, MODE_MESSAGE } from "../../src/services/phoneNumbers.js";
import { IP_MESSAGE, MASK_MESSAGE } from "../../src/services/whitelistedIps.js";
import type { ApiReply, ExotelClient } from "../helpers/client.js";
import { assertBatch, assertBatchFailure, assertError, assertOk } from "../helpers/exotelAssert.js";
import { describeOnEngines } from "../helpers/server.js";
import { assertUnchanged } from "../helpers/snapshot.js";

type Value = string | number;

/** One row of the reference's validation table, with the extra edge cases worth pinning. */
interface Rule {
  field: string;
  valid: Value[];
  invalid: Value[];
  code: ExotelErrorCode;
  message: string;
  /** Sends the value in the request the rule governs; `i` makes other fields unique. */
  send(c: ExotelClient, sid: string, value: Value, i: number): Promise<ApiReply>;
  /** The field as the 200 response echoes it, when it does. */
  echoed?(r: ApiReply): unknown;
}

let uniq = 0;
const number = () => `+91987650${String(++uniq).padStart(4, "0")}`;

const RULES: Rule[] = [
  {
    field: "trunk_name",
    valid: ["my_trunk_01", "A".repeat(16)],
    invalid: ["my-trunk!", "A".repeat(17), "", "my trunk"],
    code: 1000,
    message: TRUNK_NAME_MESSAGE,
    send: (c, _sid, v) => c.request("POST", "/trunks", { trunk_name: v, nso_code: "ANY-ANY", domain_name: "exoteltest.pstn.exotel.com" }),
    echoed: (r) => r.body.response.data.trunk_name,
  },
  {
    field: "phone_number",
    valid: ["+919876543210"],
    invalid: ["9876543210", "+0919876543210", "+91 98765 43210", "+9198765432101234"],
    code: 1001,
    message: E164_MESSAGE,
    send: (c, sid, v) => c.request("POST", `/trunks/${sid}/phone-numbers`, { phone_number: v }),
    echoed: (r) => r.body.response.data.phone_number,
  },
  {
    field: "ip",
    valid: ["203.0.113.50"],
    invalid: ["256.1.2.3", "1.2.3", "203.0.113.050", "::1"],
    code: 1001,
    message: IP_MESSAGE,
    send: (c, sid, v) => c.request("POST", `/trunks/${sid}/whitelisted-ips`, { ip: v, mask: 32 }),
    echoed: (r) => r.body.response.data.ip,
  },
  {
    field: "mask",
    valid: [32, 24, 1],
    invalid: [33, 0, -1, 32.5],
    code: 1001,
    message: MASK_MESSAGE,
    send: (c, sid, v, i) => c.request("POST", `/trunks/${sid}/whitelisted-ips`, { ip: `192.0.2.${i}`, mask: v }),
    echoed: (r) => r.body.response.data.mask,
  },
  {
    field: "mode",
    valid: ["pstn", "flow"],
    invalid: ["PSTN", "Flow", ""],
    code: 1001,
    message: MODE_MESSAGE,
    send: (c, sid, v) => c.request("POST", `/trunks/${sid}/phone-numbers`, { phone_number: number(), mode: v }),
    echoed: (r) => r.body.response.data.mode,
  },
];

/** The reference's validation table, every example (valid and invalid) a test of its own. */
describeOnEngines("Exotel validation table", (server) => {
  let sid = "";
  before(async () => {
    sid = await server().demo.createTrunk("validation");
  });

  for (const rule of RULES) {
    for (const [i, value] of rule.valid.entries()) {
      it(`${rule.field} ${JSON.stringify(value)} is valid: 200, stored as given`, async () => {
        const r = await rule.send(server().demo, sid, value, i + 1);
        assertOk(r, "POST");
        if (rule.echoed) assert.equal(rule.echoed(r), value);
      });
    }
    for (const [i, value] of rule.invalid.entries()) {
      it(`${rule.field} ${JSON.stringify(value)} is invalid: 400 / ${rule.code}, nothing stored`, async () => {
        const r = await assertUnchanged(server().runtime, () => rule.send(server().demo, sid, value, 100 + i));
        // A wrongly typed mask (32.5) fails the schema's integer check: same code, its own words.
        assertError(r, "POST", 400, rule.code, value === 32.5 ? "mask must be an integer" : rule.message);
      });
    }
  }

  const destination = (transport: string, port: number) => ({ destinations: [{ destination: `203.0.113.50:${port};transport=${transport}` }] });
  for (const [i, transport] of ["tls", "tcp"].entries()) {
    it(`transport ${transport} is valid: 200`, async () => {
      const [item] = assertBatch(await server().demo.request("POST", `/trunks/${sid}/destination-uris`, destination(transport, 5061 + i)), 200, { success: 1, failed: 0 });
      assert.equal(item.data.destination, `sip:203.0.113.50:${5061 + i};transport=${transport}`);
    });
  }
  for (const transport of ["udp", "sctp", "ws"]) {
    it(`transport ${transport} is invalid: the item fails with 400 / 1002 (207), nothing stored`, async () => {
      const r = await assertUnchanged(server().runtime, () => server().demo.request("POST", `/trunks/${sid}/destination-uris`, destination(transport, 5070)));
      const [item] = assertBatch(r, 207, { success: 0, failed: 1 });
      assertBatchFailure(item, 400, 1002, TRANSPORT_MESSAGE);
    });
  }
});
