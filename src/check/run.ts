import type { Config } from "../config.js";
import type { TrunkDetail } from "../domain/types.js";
import { EdgeRpc } from "../edge/rpc.js";
import type { Services } from "../services/index.js";
import { trunksRepo } from "../store/repositories/trunks.js";
import { chooseAdmission, placeCall } from "./call.js";
import { answering, destinationUri, edgeTargets, probeOptions, sipSocket } from "./edges.js";
import { aclRows, countNumbers, dispatcherRows, numberRows, trunkKeyRows } from "./projectionRows.js";
import { result, type CheckResult, type CheckStep } from "./report.js";
import { compareWithEdge } from "./sync.js";

export interface CheckOptions {
  /** Place a test call to this number through the edge. */
  call?: string;
  /** The edge's JSON-RPC URL, instead of the edges registered in the store. */
  rpc?: string;
  /** The local address the test call comes from. */
  from?: string;
  /** A destination not answering OPTIONS within this is down (default 3000 ms). */
  optionsBoundMs?: number;
  /** How long the test call is held before BYE (default 500 ms). */
  holdMs?: number;
  /**
   * Only the edges registered in the store (and TRUNKLINE_EDGE_RPC_URLS), never the local default
   * one: the API's check (POST .../check) talks to the edges the platform has, not to whatever
   * listens on this host's default port.
   */
  registeredOnly?: boolean;
}

/** Numbers compared key by key with each edge; past this, the first ones in key order. */
const SYNC_NUMBERS_LIMIT = 5000;
const DEFAULT_BOUND_MS = 3000;
const SYNC_RETRY_MS = 1000;

/** `curl` lines for the fixes, against the API as this process's config would serve it. */
function curl(config: Config, t: TrunkDetail, path: string, body: string): string {
  return `curl -u <api_key>:<api_token> -H 'Content-Type: application/json' -X POST http://${config.host}:${config.port}/v2/accounts/${t.accountSid}/trunks/${t.sid}/${path} -d '${body}'`;
}

function list(items: string[], max = 5): string {
  return items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

/**
 * "Can this trunk carry a call now?": what the store says (numbers, access, destinations), then
 * each edge: answering, every destination answering OPTIONS sent from it, its memory in step
 * with the store; with `call`, a real call through the first edge. `ref` is the trunk's sid or
 * carrier id (UUID), in any account.
 */
export async function runCheck(services: Services, config: Config, ref: string, opts: CheckOptions = {}): Promise<CheckResult> {
  const store = services.ctx.store;
  const row = await trunksRepo.findAnyAccount(store.db, ref);
  if (!row) return result({ ref }, [{ name: "trunk", ok: false, detail: `no trunk has the sid or carrier id '${ref}'`, fix: "name a trunk by its sid (trmum...) or its carrier API id (a UUID)" }]);
  let t: TrunkDetail;
  try {
    t = await services.trunks.getDetail(row.account_sid, { sid: row.sid });
  } catch (error) {
    if (/authenticate data|unknown secret format|bad decrypt/i.test((error as Error).message)) {
      throw new Error("cannot open the trunk's credentials: TRUNKLINE_SECRET_KEY (or TRUNKLINE_SECRET_KEY_FILE) is not the key this store was sealed with");
    }
    throw error;
  }
  const trunk = { ref, sid: t.sid, uuid: t.uuid, name: t.name, accountSid: t.accountSid };
  const steps: CheckStep[] = [];

  const count = await countNumbers(store, t.id);
  const numbers = await numberRows(store, t.id, SYNC_NUMBERS_LIMIT);
  steps.push(
    count > 0
      ? { name: "numbers", ok: true, detail: `${count} mapped: ${list(numbers.map((n) => `+${n.key}`), 3)}` }
      : { name: "numbers", ok: false, detail: "no number is mapped to this trunk: calls to it have nowhere to come in", fix: `map a number: ${curl(config, t, "phone-numbers", '{"phone_number":"+919800000001"}')}` },
  );

  const access = [...t.acl.map((e) => `ACL ${e.ip}/${e.mask}`), ...t.credentials.map((c) => `credential ${c.username}`)];
  steps.push(
    access.length > 0
      ? { name: "access", ok: true, detail: list(access) }
      : {
          name: "access",
          ok: false,
          detail: "no ACL entry and no credential: the edge refuses every call from this trunk's PBX",
          fix: `allow the PBX's address: ${curl(config, t, "whitelisted-ips", '{"ip":"203.0.113.10","mask":32}')} (or add a credential: .../credentials)`,
        },
  );

  const uris = t.destinations.map((d) => destinationUri(d));
  steps.push(
    uris.length > 0
      ? { name: "destinations", ok: true, detail: t.destinations.map((d, i) => `${uris[i]} (priority ${d.priority}, weight ${d.weight})`).join(", ") }
      : { name: "destinations", ok: false, detail: "no destination: calls to this trunk's numbers get 480", fix: `add one: ${curl(config, t, "destination-uris", '{"destinations":[{"destination":"pbx.example.com:5060;transport=tcp"}]}')}` },
  );

  const bound = opts.optionsBoundMs ?? DEFAULT_BOUND_MS;
  const targets = await edgeTargets(store, config, opts.rpc);
  if (opts.registeredOnly && targets.source.startsWith("default")) {
    targets.urls = [];
    steps.push({ name: "edge", ok: false, detail: `no edge is registered in the store${targets.down.length ? ` (registered but down: ${list(targets.down)})` : ""}: nothing carries this trunk's calls`, fix: "start an edge on this store: trunkline up (or trunkline edge)" });
  }
  const projection = async () => ({ numbers: await numberRows(store, t.id, SYNC_NUMBERS_LIMIT), trunks: await trunkKeyRows(store, t.id), acl: await aclRows(store, t.id), dispatcher: await dispatcherRows(store, t.id) });
  let callEdge: string | undefined;
  for (const url of targets.urls) {
    const rpc = new EdgeRpc(url, bound + 5000);
    try {
      try {
        await rpc.call("core.uptime");
      } catch (error) {
        const down = targets.down.length ? `; registered but down: ${list(targets.down)}` : "";
        steps.push({ name: "edge", ok: false, detail: `${url} (${targets.source}) does not answer JSON-RPC: ${(error as Error).message}${down}`, fix: "is the edge running? start it with `trunkline up` (or `trunkline edge`), or name it with --rpc URL" });
        continue;
      }
      const udp = await sipSocket(rpc, "udp");
      const sip = udp === "." ? undefined : udp.replace(/^udp:/, "");
      callEdge ??= sip;
      steps.push({ name: "edge", ok: true, detail: `${url} answering (${targets.source})${sip ? `, SIP at ${sip}` : ""}${targets.down.length ? `; registered but down: ${list(targets.down)}` : ""}` });
      for (const [i, d] of t.destinations.entries()) {
        const uri = uris[i] as string;
        try {
          const reply = await probeOptions(rpc, uri, await sipSocket(rpc, d.transport));
          const ok = answering(reply, bound);
          steps.push({
            name: "options",
            ok,
            detail: `${uri}: ${reply.code} ${reply.reason} in ${reply.rttMs} ms${reply.code === 408 ? " (no answer: the edge timed out)" : ""}`,
            ...(ok ? {} : { fix: `the destination must answer SIP from the edge within ${bound} ms: is the PBX up, listening on ${d.transport.toUpperCase()} ${d.host}:${d.port}, and letting the edge's address in?` }),
          });
        } catch (error) {
          steps.push({ name: "options", ok: false, detail: `${uri}: the edge could not send OPTIONS: ${(error as Error).message}`, fix: "see the edge's log" });
        }
      }
      let diff = await compareWithEdge(rpc, t.id, await projection());
      if (diff.total > 0) {
        // A change committed a moment ago may still be on its way (the API pushes within
        // milliseconds): look again once before calling the edge out of sync.
        await new Promise((r) => setTimeout(r, SYNC_RETRY_MS));
        diff = await compareWithEdge(rpc, t.id, await projection());
      }
      const sampled = count > numbers.length ? ` (the first ${numbers.length} of ${count} numbers)` : "";
      steps.push(
        diff.total === 0
          ? { name: "sync", ok: true, detail: `${url}: ${diff.checked} keys and entries as in the store${sampled}` }
          : {
              name: "sync",
              ok: false,
              detail: `${url}: ${diff.total} of ${diff.checked} keys and entries differ from the store${sampled}: ${diff.differences.join("; ")}`,
              fix: "edge out of sync: is the API server running? it pushes changes to edges (trunkline up / serve); it reconciles an edge within seconds of starting",
            },
      );
    } finally {
      rpc.close();
    }
  }

  if (opts.call !== undefined) {
    const admission = chooseAdmission(t, opts.from);
    if (typeof admission === "string") {
      steps.push({ name: "admission", ok: false, detail: `cannot call as this trunk's PBX: ${admission}`, fix: "run the check on a host in the trunk's ACL (or pass --from IP), or add a credential" });
    } else if (!callEdge) {
      steps.push({ name: "call", ok: false, detail: "no edge answered: nowhere to place the call", fix: "start the edge (trunkline up), or name it with --rpc URL" });
    } else {
      steps.push(...(await placeCall(t, { edge: callEdge, number: opts.call, admission, holdMs: opts.holdMs })));
    }
  }
  return result(trunk, steps);
}
