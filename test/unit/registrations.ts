import assert from "node:assert/strict";
import { after, before } from "node:test";
import type { Heartbeat } from "../../src/registry/heartbeat.js";
import { migrateToLatest, openStore, type Store } from "../../src/store/db.js";
import { readNow } from "../../src/store/registrations.js";
import { openStoreFixture, type EngineName, type StoreFixture } from "../helpers/stores.js";
import { until } from "../helpers/wait.js";

/** What the edge and media relay registry tests share: the registrations' rules are one module's. */

/** A migrated store of `engine` for the enclosing describe: read it inside tests. */
export function useMigratedStore(engine: EngineName): () => Store {
  let fx: StoreFixture;
  let store: Store;
  before(async () => {
    fx = await openStoreFixture(engine);
    store = openStore({ databaseUrl: fx.databaseUrl, pgSchema: fx.pgSchema });
    await migrateToLatest(store);
  });
  after(async () => {
    await store.close();
    await fx.dispose();
  });
  return () => store;
}

/** Sets a registration's last heartbeat `seconds` before now (the database's clock), as missed beats would. */
export async function ageHeartbeat(store: Store, table: "edges" | "media_relays", key: string, seconds: number): Promise<void> {
  const past = new Date(Date.parse(await readNow(store)) - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const db = store.db;
  if (table === "edges") await db.updateTable("edges").set({ heartbeat_at: past }).where("rpc_url", "=", key).execute();
  else await db.updateTable("media_relays").set({ heartbeat_at: past }).where("ng_address", "=", key).execute();
}

/**
 * A heartbeat started (interval 1 s) with `probe` stops beating while the probe fails, warns once
 * (`warning`), and beats again when the probe answers (logging `resumed`).
 */
export async function assertProbeGatesBeats(
  start: (options: { log: { warn: (o: object, msg: string) => void; info: (o: object, msg: string) => void }; probe: () => Promise<void> }) => Promise<Heartbeat>,
  lastHeartbeat: () => Promise<string>,
  messages: { warning: string; resumed: string },
): Promise<void> {
  let answering = true;
  const warnings: string[] = [];
  const infos: string[] = [];
  const log = { warn: (_o: object, msg: string) => warnings.push(msg), info: (_o: object, msg: string) => infos.push(msg) };
  const beat = await start({
    log,
    probe: async () => {
      if (!answering) throw new Error("no answer");
    },
  });
  try {
    answering = false;
    await new Promise((r) => setTimeout(r, 1200)); // a beat that was due may still land
    const frozen = await lastHeartbeat();
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await lastHeartbeat(), frozen, "no heartbeat while the probe gets no answer");
    assert.deepEqual(warnings, [messages.warning]);
    answering = true;
    await until("heartbeats again", async () => ((await lastHeartbeat()) > frozen ? true : undefined), 10000);
    assert.ok(infos.includes(messages.resumed));
  } finally {
    await beat.stop();
  }
}
