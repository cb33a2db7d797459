import assert from "node:assert/strict";
import { before, it } from "node:test";
import { basicAuth, ExotelClient, send, type ApiReply, type Json } from "../helpers/client.js";
import { describeOnEngines } from "../helpers/server.js";

/**
 * The Exotel trunk list's `trunk_name` extension (the console's search): a case-sensitive prefix,
 * in name order, paged like the list, never another account's trunks; bad input is a v2 400.
 * And the carrier list's `filter[name]`: the one trunk of that exact name.
 */
describeOnEngines("Trunk lists by name: Exotel trunk_name prefix, carrier filter[name]", (server) => {
  let a: ExotelClient;
  let b: ExotelClient;
  const tokens: Record<string, string> = {};
  const carrier = (sid: string, query: string): Promise<ApiReply> => send(`${server().baseUrl}/carrier/v1/sip_trunks?${query}`, "GET", { headers: { authorization: `Bearer ${tokens[sid]}` } });
  const names = (r: { status: number; body: Json; text: string }) => {
    assert.equal(r.status, 200, r.text);
    return r.body.response.data.map((t: Json) => t.trunk_name);
  };

  before(async () => {
    const s = server();
    const make = async (sid: string) => {
      const issued = await s.runtime.services.accounts.create({ sid });
      tokens[sid] = issued.apiToken;
      return new ExotelClient(s.baseUrl, sid, basicAuth(issued.apiKey, issued.apiToken));
    };
    a = await make("tnfa");
    b = await make("tnfb");
    // Created out of name order, with an underscore that linguistic collations ignore ("ab_c" ~ "abc").
    for (const n of ["office_2", "abc", "ab_c", "Office_1", "office_1", "officex", "abd", "office"]) await a.createTrunk(n);
    await b.createTrunk("office_b");
  });

  it("lists exactly the trunks whose names start with the text, in name order (case-sensitive)", async () => {
    assert.deepEqual(names(await a.request("GET", "/trunks?trunk_name=office")), ["office", "office_1", "office_2", "officex"]);
    assert.deepEqual(names(await a.request("GET", "/trunks?trunk_name=Office")), ["Office_1"]);
    assert.deepEqual(names(await a.request("GET", "/trunks?trunk_name=ab_")), ["ab_c"]);
    assert.deepEqual(names(await a.request("GET", "/trunks?trunk_name=abc")), ["abc"]);
    assert.deepEqual(names(await a.request("GET", "/trunks?trunk_name=office_1")), ["office_1"]);
    assert.deepEqual(names(await a.request("GET", "/trunks?trunk_name=nothing")), []);
    // Percent and underscore are plain text, not patterns.
    assert.deepEqual(names(await a.request("GET", "/trunks?trunk_name=%25")), []);
    assert.deepEqual(names(await a.request("GET", "/trunks?trunk_name=_")), []);
    // Without the filter: oldest first, as before.
    assert.deepEqual(names(await a.request("GET", "/trunks")), ["office_2", "abc", "ab_c", "Office_1", "office_1", "officex", "abd", "office"]);
  });

  it("pages by offset with the filter kept in the page URIs", async () => {
    const first = await a.request("GET", "/trunks?trunk_name=office&page_size=3");
    assert.deepEqual(names(first), ["office", "office_1", "office_2"]);
    const next = first.body.metadata.next_page_uri as string;
    assert.equal(next, "/v2/accounts/tnfa/trunks?offset=3&page_size=3&trunk_name=office");
    const second = await a.request("GET", next);
    assert.deepEqual(names(second), ["officex"]);
    assert.equal(second.body.metadata.next_page_uri, null);
    assert.deepEqual(names(await a.request("GET", "/trunks?trunk_name=office&offset=2&page_size=1")), ["office_2"]);
  });

  it("combines with trunk_sid", async () => {
    const sid = (await a.request("GET", "/trunks?trunk_name=abd")).body.response.data[0].trunk_sid as string;
    assert.deepEqual(names(await a.request("GET", `/trunks?trunk_sid=${sid}&trunk_name=ab`)), ["abd"]);
    assert.deepEqual(names(await a.request("GET", `/trunks?trunk_sid=${sid}&trunk_name=office`)), []);
  });

  it("never shows another account's trunks", async () => {
    assert.deepEqual(names(await b.request("GET", "/trunks?trunk_name=office")), ["office_b"]);
    assert.deepEqual(names(await a.request("GET", "/trunks?trunk_name=office_b")), []);
    // B's key on A's path stays 403 with the filter.
    const r = await b.request("GET", "/v2/accounts/tnfa/trunks?trunk_name=office");
    assert.equal(r.status, 403, r.text);
    assert.equal(r.body.response.error_data.code, 1011);
  });

  it("bad input is a v2 400 naming trunk_name (never 500)", async () => {
    const nul = await a.request("GET", "/trunks?trunk_name=a%00b");
    assert.equal(nul.status, 400, nul.text);
    for (const bad of ["", "a%0Ab", "a%1Bb", "x".repeat(65)]) {
      const r = await a.request("GET", `/trunks?trunk_name=${bad}`);
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
      assert.equal(r.body.response.status, "failure");
      assert.match(r.body.response.error_data.description, /^trunk_name must be 1 to 64 characters/);
    }
    assert.deepEqual(names(await a.request("GET", `/trunks?trunk_name=${"x".repeat(64)}`)), []);
    // Bad paging with the filter: the paging parameter's own 400.
    const r = await a.request("GET", "/trunks?trunk_name=office&page_size=0");
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.response.error_data.description, /page_size/);
    // Any printable text is a valid prefix, non-ASCII included.
    assert.deepEqual(names(await a.request("GET", `/trunks?trunk_name=${encodeURIComponent("é☃😀")}`)), []);
  });

  it("carrier filter[name]: the trunk of exactly that name, or an empty list; never another account's", async () => {
    const one = await carrier("tnfa", "filter[name]=office_1");
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.body.data.map((t: Json) => t.attributes.name), ["office_1"]);
    assert.deepEqual(one.body.links, { prev: null, next: null });
    const sparse = await carrier("tnfa", "filter[name]=office_1&fields[sip_trunk]=name,max_channels");
    assert.deepEqual(Object.keys(sparse.body.data[0].attributes).sort(), ["max_channels", "name"]);
    assert.deepEqual((await carrier("tnfa", "filter[name]=office")).body.data.map((t: Json) => t.attributes.name), ["office"], "exact, not a prefix");
    assert.deepEqual((await carrier("tnfa", "filter[name]=offic")).body.data, []);
    assert.deepEqual((await carrier("tnfa", "filter[name]=office_b")).body.data, [], "B's trunk is not A's");
    assert.deepEqual((await carrier("tnfb", "filter[name]=office_b")).body.data.map((t: Json) => t.attributes.name), ["office_b"]);
  });

  it("carrier filter[name] bad input is a JSON:API 400 naming the parameter; other filters stay refused", async () => {
    const uuid = (await carrier("tnfa", "filter[name]=abc")).body.data[0].id as string;
    for (const query of ["filter[name]=", "filter[name]=a%0Ab", "filter[name]=a&filter[name]=b", `filter[name]=abc&page[after]=${uuid}`, "filter[name]=abc&page[size]=0", "filter[region]=x"]) {
      const r = await carrier("tnfa", query);
      assert.equal(r.status, 400, `${query}: ${r.text}`);
      const params = r.body.errors.map((e: Json) => e.source?.parameter);
      assert.ok(params.length > 0 && params.every((p: string) => /^(filter\[name\]|page\[size\]|filter\[region\])$/.test(p)), `${query}: ${r.text}`);
    }
  });
});
