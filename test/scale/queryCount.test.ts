import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from "kysely";
import type { CarrierClient } from "../helpers/carrierClient.js";
import type { ExotelClient } from "../helpers/client.js";
import { ENGINES } from "../helpers/stores.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * Counts the statements the store executes (every one passes through transformResult once),
 * except the background jobs' (call counters, edge and media registries, pings), and the
 * authentication lookup (one per request at most, cached for 3 s, whatever the page): queries
 * built per run, so their tables are seen here first.
 */
class QueryCounter implements KyselyPlugin {
  count = 0;
  /** What was counted: the tables of a query built per run, "compiled once" for prepared.ts's. */
  readonly seen: string[] = [];
  private readonly tables = new WeakMap<object, string>();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const names = [...JSON.stringify(args.node).matchAll(/"kind":"IdentifierNode","name":"([a-z_]+)"/g)].map((m) => m[1]);
    this.tables.set(args.queryId, [...new Set(names)].join(","));
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const tables = this.tables.get(args.queryId);
    if (tables !== undefined && (tables === "" || /\b(calls|call_[a-z_]+|edges|edge_[a-z_]+|media_[a-z_]+|accounts)\b/.test(tables))) return args.result;
    this.count++;
    this.seen.push(tables ?? "compiled once");
    return args.result;
  }
}

const SIZES = [1, 10, 100] as const;
const TRUNKS = 101;

/**
 * Every list endpoint costs the same number of queries whatever its page size: a page of 100
 * trunks with their ACLs, destinations, credentials, prefixes and caller ids is as many queries
 * as a page of one (it was five per trunk). Each trunk has one of each child, so a per-trunk or
 * per-item query would show up as a count that grows with the page.
 */
for (const engine of ENGINES) {
  describe(`queries per list request, page sizes ${SIZES.join("/")} [${engine}]`, () => {
    let server: TestServer;
    let exotel: ExotelClient;
    let carrier: CarrierClient;
    let trunkSid: string;
    const counter = new QueryCounter();

    before(async () => {
      server = await startServer(engine);
      ({ exotel, carrier } = await server.clients("qc"));
      const { trunks, phoneNumbers, whitelistedIps } = server.runtime.services;
      for (let i = 0; i < TRUNKS; i++) {
        const t = await trunks.create("qc", {
          name: `qc-${i}`,
          withTrunkCredential: true,
          acl: [{ ip: `127.0.13.${i}`, mask: 32 }],
          outboundHost: { host: `pbx${i}.example.net` },
          callerId: "+919000000000",
          routePrefixes: ["91", "1"],
        });
        trunkSid ??= t.sid;
      }
      for (let i = 0; i < 101; i++) await phoneNumbers.map("qc", trunkSid, `+9190013${String(i).padStart(5, "0")}`, null);
      for (let i = 1; i < 101; i++) await whitelistedIps.add("qc", trunkSid, `127.0.13.${i}`, 32);
      // After the seed: count what requests do, through the store every service reads.
      server.runtime.store.db = server.runtime.store.db.withPlugin(counter);
    });
    after(async () => server?.close());

    /** Queries one request runs; asserts the status, and that the page is full when it should be. */
    const queries = async (send: () => Promise<{ status: number; body: unknown }>, items: (body: never) => unknown[], size: number) => {
      await send(); // warm: the authentication cache
      const before = counter.count;
      const reply = await send();
      assert.equal(reply.status, 200, JSON.stringify(reply.body).slice(0, 300));
      assert.equal(items(reply.body as never).length, size);
      return counter.count - before;
    };

    const lists: [string, (size: number) => Promise<{ status: number; body: unknown }>, (body: never) => unknown[]][] = [
      ["carrier: sip_trunks", (n) => carrier.request("GET", `?page[size]=${n}`), (b: { data: unknown[] }) => b.data],
      ["exotel: trunks", (n) => exotel.request("GET", `/trunks?page_size=${n}`), (b: { response: { data: unknown[] } }) => b.response.data],
      ["exotel: phone numbers", (n) => exotel.request("GET", `/trunks/${trunkSid}/phone-numbers?page_size=${n}`), (b: { response: { data: unknown[] } }) => b.response.data],
      ["exotel: whitelisted IPs", (n) => exotel.request("GET", `/trunks/${trunkSid}/whitelisted-ips?page_size=${n}`), (b: { response: { data: unknown[] } }) => b.response.data],
    ];

    for (const [name, send, items] of lists) {
      it(`${name}: one query, at every page size`, async () => {
        const counts: number[] = [];
        for (const size of SIZES) counts.push(await queries(() => send(size), items, size));
        assert.deepEqual(counts, SIZES.map(() => counts[0]), `queries per page of ${SIZES.join("/")}: ${counts.join("/")}; last: ${counter.seen.slice(-8).join(" | ")}`);
        assert.equal(counts[0], 1, `${name}: ${counts[0]} queries per request`);
      });
    }

    it("carrier: a page after a cursor, and an unknown cursor (400, the only case with a second query)", async () => {
      const first = (await carrier.request("GET", "?page[size]=10")).body as { data: { id: string }[] };
      const cursor = first.data.at(-1)?.id as string;
      for (const size of SIZES) {
        const before = counter.count;
        const reply = await carrier.request("GET", `?page[size]=${size}&page[after]=${cursor}`);
        assert.equal(reply.status, 200);
        assert.equal(counter.count - before, 1, `page[size]=${size} after a cursor`);
      }
      const before = counter.count;
      const bad = await carrier.request("GET", "?page[after]=00000000-0000-4000-8000-000000000000");
      assert.equal(bad.status, 400);
      assert.equal(counter.count - before, 2);
    });

    it("create trunk (Exotel): the trunk and its credential written and read back with its details — one statement on PostgreSQL, three on SQLite", async () => {
      const before = counter.count;
      const reply = await exotel.request("POST", "/trunks", { trunk_name: "qc_created", nso_code: "ANY-ANY", domain_name: "qc.pstn.exotel.com" });
      assert.equal(reply.status, 200, JSON.stringify(reply.body).slice(0, 300));
      // PostgreSQL: the trunk with its children and its detail in one statement (newTrunk.ts);
      // SQLite: one per row and the detail read, in a transaction.
      assert.equal(counter.count - before, engine === "postgres" ? 1 : 3, counter.seen.slice(-4).join(" | "));
      // A taken name is still a 409, found by the unique constraint in the insert.
      const again = await exotel.request("POST", "/trunks", { trunk_name: "qc_created", nso_code: "ANY-ANY", domain_name: "qc.pstn.exotel.com" });
      assert.equal(again.status, 409);
    });

    it("single reads are one query: carrier get trunk, Exotel get trunk, credentials list", async () => {
      const uuid = ((await carrier.request("GET", "?page[size]=1")).body as { data: { id: string }[] }).data[0]?.id as string;
      for (const [path, send] of [
        ["carrier get", () => carrier.request("GET", `/${uuid}`)],
        ["exotel get", () => exotel.request("GET", `/trunks/${trunkSid}`)],
        ["exotel credentials", () => exotel.request("GET", `/trunks/${trunkSid}/credentials`)],
      ] as const) {
        const before = counter.count;
        assert.equal((await send()).status, 200, path);
        assert.equal(counter.count - before, 1, path);
      }
    });
  });
}
