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

/** A registry as the lifecycle case drives it: start at an address with an interval, list its rows. */
export interface RegistryUnderTest<R extends { id: string; heartbeatAt: string; live: boolean; stoppedAt: string | null; ageSeconds: number }> {
  start(intervalSeconds: number): Promise<Heartbeat>;
  list(forgetAfterSeconds?: number): Promise<R[]>;
  /** Ages the row's heartbeat by `seconds` (missed beats). */
  age(seconds: number): Promise<void>;
  /** Checks what the first registration says about the process (its table's own columns). */
  checkFirst(first: R): void;
}

/**
 * Registers, heartbeats, is down after three missed beats or at once on a clean stop, is taken
 * over by a restart at the same address, and is forgotten after the forget time.
 */
export async function assertRegistrationLifecycle<R extends { id: string; heartbeatAt: string; live: boolean; stoppedAt: string | null; ageSeconds: number }>(registry: RegistryUnderTest<R>): Promise<void> {
  const beat = await registry.start(1);
  try {
    const [first] = await registry.list();
    assert.ok(first, "registered");
    assert.deepEqual([first.id, first.live, first.stoppedAt], [beat.id, true, null]);
    assert.match(first.heartbeatAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    registry.checkFirst(first);
    // It beats: the heartbeat moves on.
    await until("a later heartbeat", async () => ((await registry.list())[0]!.heartbeatAt > first.heartbeatAt ? true : undefined), 10000);

    // Missed beats (simulated: heartbeat aged): live up to 3 × interval, down past it.
    beat.halt();
    // (Times are whole seconds: a reading a second later sees it a second older.)
    await registry.age(1);
    assert.equal((await registry.list())[0]?.live, true, "1-3 s old with a 1 s interval: still live");
    await registry.age(5);
    const stale = (await registry.list())[0];
    assert.equal(stale?.live, false, "5 s old: down");
    assert.ok((stale?.ageSeconds ?? 0) >= 5, `age ${stale?.ageSeconds}`);
  } finally {
    beat.halt();
  }

  // A new start at the same address takes the row over; a clean stop marks it down at once and keeps it.
  const again = await registry.start(5);
  assert.deepEqual((await registry.list()).map((r) => [r.id, r.live]), [[again.id, true]]);
  await again.stop();
  const stopped = (await registry.list())[0];
  assert.equal(stopped?.live, false);
  assert.match(stopped?.stoppedAt ?? "", /Z$/);

  // Forgotten once its heartbeat is older than the forget time (any reader deletes it).
  await registry.age(100);
  assert.equal((await registry.list(3600)).length, 1, "100 s old, forget after an hour: kept");
  assert.equal((await registry.list(60)).length, 0, "100 s old, forget after a minute: gone");
}
