import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accountCredentialsRow, accountUpdateRow, credentialUpdateRow, destinationUpdateRow, newTrunkRows, trunkUpdateRow } from "../../src/store/mappers.js";

const NOW = "2026-11-30T16:00:00Z";

/** Entity → row for writes (store/mappers.ts): only what a change sets, under its column, with updated_at. */
describe("write rows", () => {
  it("a trunk patch: the fields given (null clears), flags as 0/1, nothing else", () => {
    assert.deepEqual(trunkUpdateRow({}, NOW), { updated_at: NOW });
    assert.deepEqual(trunkUpdateRow({ name: "n", maxChannels: null, outboundNationalDialing: false, outboundPlusPrefix: true, authenticationMode: "client_credentials" }, NOW), {
      name: "n",
      authentication_mode: "client_credentials",
      max_channels: null,
      outbound_national_dialing: 0,
      outbound_plus_prefix: 1,
      updated_at: NOW,
    });
  });

  it("credentials, destinations, accounts: undefined leaves a column alone, null clears it", () => {
    assert.deepEqual(credentialUpdateRow({ friendlyName: null }, NOW), { friendly_name: null, updated_at: NOW });
    assert.deepEqual(credentialUpdateRow({ passwordSealed: "s", ha1: "h", realm: "r", friendlyName: undefined }, NOW), { password_enc: "s", ha1: "h", realm: "r", updated_at: NOW });
    assert.deepEqual(destinationUpdateRow({ weight: 5 }, NOW), { weight: 5, updated_at: NOW });
    assert.deepEqual(accountUpdateRow({ operator: false }, NOW), { operator: 0, updated_at: NOW });
    assert.deepEqual(accountUpdateRow({ name: null }, NOW), { name: null, updated_at: NOW });
    assert.deepEqual(accountCredentialsRow({ tokenHash: "t" }, NOW), { token_hash: "t", updated_at: NOW });
    assert.deepEqual(accountCredentialsRow({ apiKey: "k", tokenHash: "t" }, NOW), { api_key: "k", token_hash: "t", updated_at: NOW });
  });

  it("a new trunk: its row, and children stamped with its creation time, prefixes with their positions", () => {
    const rows = newTrunkRows({
      trunk: {
        sid: "s",
        uuid: "u",
        accountSid: "a",
        name: "n",
        nsoCode: "ANY-ANY",
        domainName: "d",
        authType: "IP-WHITELIST",
        status: "active",
        region: "r",
        authenticationMode: "ip_address",
        maxChannels: null,
        inboundCountry: null,
        outboundDialStringPrefix: null,
        outboundNationalDialing: true,
        outboundPlusPrefix: false,
        createdAt: NOW,
        updatedAt: NOW,
      },
      credentials: [{ username: "s", passwordSealed: "x", ha1: "h", realm: "r", friendlyName: null }],
      routePrefixes: ["91", "1"],
      acl: [{ ip: "10.0.0.1", mask: 32 }],
      destinations: [{ host: "pbx", port: 5060, transport: "udp", priority: 0, weight: 1 }],
      settings: [{ name: "trunk_external_alias", value: "+1" }],
    });
    assert.equal(rows.trunk.outbound_national_dialing, 1);
    assert.equal(rows.trunk.outbound_plus_prefix, 0);
    assert.equal(rows.trunk.account_sid, "a");
    assert.deepEqual(rows.routePrefixes, [
      { prefix: "91", position: 0 },
      { prefix: "1", position: 1 },
    ]);
    assert.deepEqual(rows.credentials, [{ username: "s", password_enc: "x", ha1: "h", realm: "r", friendly_name: null, created_at: NOW, updated_at: NOW }]);
    assert.deepEqual(rows.acl, [{ ip: "10.0.0.1", mask: 32, friendly_name: null, created_at: NOW, updated_at: NOW }]);
    assert.deepEqual(rows.destinations, [{ host: "pbx", port: 5060, transport: "udp", priority: 0, weight: 1, created_at: NOW, updated_at: NOW }]);
    assert.deepEqual(rows.settings, [{ name: "trunk_external_alias", value: "+1", created_at: NOW, updated_at: NOW }]);
  });
});
