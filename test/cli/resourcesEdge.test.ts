import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { edgeInfo, startEdgeHeartbeat, type EdgeHeartbeat } from "../../src/edge/registry.js";
import { freePort } from "../helpers/process.js";
import { expectCall } from "../edge/assertions.js";
import { startEdgeStack, type EdgeStack } from "../edge/harness.js";
import { Provision } from "../edge/provision.js";
import { call, startUas, type Uas } from "../edge/sipp.js";
import { runCli } from "./resourcesRun.js";

// Edge on 127.0.200.1; the trunk's PBX on 127.0.200.20; the caller on 127.0.200.10.
const NUMBER = "+919800002001";
const CALLER = "127.0.200.10";

/**
 * A store-mode write (the CLI on DATABASE_URL, no server involved) reaches a running, registered
 * edge before the command exits: the CLI process's own reloader pushes it, as no API process
 * would (each pushes only its own changes). SQLite: the mechanism is the reloader's, the same on
 * both engines (its PostgreSQL path is covered by the edge suites).
 */
describe("trunkline resource commands in store mode reach running edges", () => {
  let stack: EdgeStack;
  let pbx: Uas;
  let heartbeat: EdgeHeartbeat;
  let trunk = "";
  let env: Record<string, string | undefined>;

  before(async () => {
    stack = await startEdgeStack("sqlite", "127.0.200.1");
    const { runtime } = stack.server;
    heartbeat = await startEdgeHeartbeat(runtime.store, edgeInfo(stack.options, runtime.config), { intervalSeconds: 1 });
    const p = new Provision(await stack.server.account("cliedge"));
    pbx = await startUas("127.0.200.20", await freePort());
    trunk = await p.trunk("cli_edge");
    await p.destinations(trunk, [{ destination: `${pbx.address};transport=tcp` }]);
    await p.map(trunk, NUMBER);
    await stack.settled();
    env = {
      DATABASE_URL: runtime.config.databaseUrl,
      TRUNKLINE_SECRET_KEY: runtime.config.secretKey,
      TRUNKLINE_ACCOUNT: "cliedge",
      TRUNKLINE_EDGE_RPC_URLS: undefined,
      TRUNKLINE_URL: undefined,
      LOG_LEVEL: "warn",
    };
  });
  after(async () => {
    await heartbeat?.stop();
    await pbx?.stop();
    await stack?.close();
  });

  const edgeCall = (expect: number) => call({ edge: stack.edge, from: CALLER, number: NUMBER }, { expect });

  it("an ACL entry added and deleted with the CLI is enforced on the next call", async () => {
    expectCall(await edgeCall(407), "before: the caller is in no ACL");
    const added = await runCli(["ips", "create", trunk, "--ip", CALLER, "--json"], env);
    assert.equal(added.code, 0, added.err);
    const id = String(added.json<{ id: string | number }>().id);
    expectCall(await edgeCall(200), "right after `trunkline ips create` exited");
    const deleted = await runCli(["ips", "delete", trunk, id], env);
    assert.equal(deleted.code, 0, deleted.err);
    expectCall(await edgeCall(407), "right after `trunkline ips delete` exited");
  });
});
