import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { CarrierClient } from "../helpers/carrierClient.js";
import { freePort } from "../helpers/process.js";
import { expectCall, ruriUser } from "./assertions.js";
import { describeEdge } from "./harness.js";
import { Provision } from "./provision.js";
import { call, startUas, type Uas } from "./sipp.js";

// Edge on 127.0.50.1; callers on 127.0.51.x; PBXs (sipp UASs) on 127.0.50.1xx.
// Carrier conventions: numbers received in national format on a trunk with an inbound_country
// are normalised to E.164 with that country's code (docs/edge.md).

const KH_CALLER = "127.0.51.5";
const US_CALLER = "127.0.51.6";
const PLAIN_CALLER = "127.0.51.7";

describeEdge("SIP edge inbound_country", "127.0.50.1", (stack) => {
  let pbx: Uas;
  let out: Uas;
  let plain: { carrier: CarrierClient; id: string };
  const dial = (from: string, number: string, expect = 200) => call({ edge: stack().edge, from, number }, { expect });
  /** The Request-URI user of the last INVITE `uas` received. */
  const lastRuri = (uas: Uas) => ruriUser(uas.invites().at(-1));

  /** A carrier trunk in an account of its own (one trunk: no fallback trunk for calls out). */
  const callerTrunk = async (name: string, attributes: Record<string, unknown>) => {
    const { carrier } = await stack().server.clients(`${name}${stack().engine}`);
    return { carrier, id: await carrier.createTrunk(name, attributes) };
  };

  before(async () => {
    const s = stack();
    pbx = await startUas("127.0.50.101", await freePort());
    out = await startUas("127.0.50.102", await freePort(), 200, "udp");
    // The platform numbers, on an Exotel trunk relaying to the PBX.
    const holder = new Provision(await s.server.account(`ichold${s.engine}`));
    const t = await holder.trunk("holder");
    await holder.destinations(t, [{ destination: `${pbx.address};transport=tcp` }]);
    await holder.map(t, "+855716100987");
    await holder.map(t, "+16505130514");
    // KH callers' account also carries calls out to 855 numbers (no other fallback trunk).
    const kh = await callerTrunk("ickh", { inbound_country: "KH", inbound_source_ips: [KH_CALLER] });
    await kh.carrier.createTrunk("ickh_out", { outbound_host: out.address, outbound_route_prefixes: ["855"] });
    await callerTrunk("icus", { inbound_country: "US", inbound_source_ips: [US_CALLER] });
    plain = await callerTrunk("icplain", { inbound_source_ips: [PLAIN_CALLER] });
    await s.settled();
  });
  after(async () => {
    await pbx?.stop();
    await out?.stop();
  });

  it("KH trunk: a national number reaches the platform number, relayed with +855", async () => {
    expectCall(await dial(KH_CALLER, "0716100987"), "KH national format");
    assert.equal(lastRuri(pbx), "+855716100987");
    expectCall(await dial(KH_CALLER, "855716100987"), "already international, without +");
    assert.equal(lastRuri(pbx), "855716100987", "not a KH national number: left as sent");
  });

  it("US trunk: a national number with or without the trunk prefix 1 reaches +1 6505130514", async () => {
    expectCall(await dial(US_CALLER, "6505130514"), "US without trunk prefix");
    assert.equal(lastRuri(pbx), "+16505130514");
    expectCall(await dial(US_CALLER, "16505130514"), "US with trunk prefix");
    assert.equal(lastRuri(pbx), "+16505130514");
  });

  it("leaves a number written with + alone, and a trunk without inbound_country gets 404", async () => {
    const before = pbx.invites().length;
    expectCall(await dial(KH_CALLER, "+0716100987", 404), "+ means international");
    expectCall(await dial(PLAIN_CALLER, "0716100987", 404), "no inbound_country");
    assert.equal(pbx.invites().length, before);
  });

  it("matches route prefixes of calls out on the normalised number", async () => {
    expectCall(await dial(KH_CALLER, "0612345678"), "KH national number, out over prefix 855");
    assert.equal(lastRuri(out), "855612345678", "the dial string is built from the E.164 digits");
  });

  it("applies inbound_country changed through the carrier API on the next call", async () => {
    const patch = async (inbound_country: string | null) => {
      const r = await plain.carrier.update(plain.id, { inbound_country });
      assert.equal(r.status, 200, r.text);
      await stack().settled();
    };
    await patch("KH");
    expectCall(await dial(PLAIN_CALLER, "0716100987"), "inbound_country set to KH");
    assert.equal(lastRuri(pbx), "+855716100987");
    await patch("US");
    expectCall(await dial(PLAIN_CALLER, "6505130514"), "inbound_country changed to US");
    assert.equal(lastRuri(pbx), "+16505130514");
    await patch(null);
    expectCall(await dial(PLAIN_CALLER, "6505130514", 404), "inbound_country removed");
  });
});
