import assert from "node:assert/strict";
import type { Runtime } from "../../src/runtime.js";

const TABLES = ["accounts", "trunks", "route_prefixes", "phone_numbers", "whitelisted_ips", "destinations", "credentials", "trunk_settings"] as const;

/** Every row of every table of the control plane, in a stable order. */
export async function snapshot(runtime: Runtime): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    const rows = await runtime.store.db.selectFrom(table).selectAll().execute();
    out[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

/** Runs `action` and asserts that the store is exactly as it was before (a rejected request changes nothing). */
export async function assertUnchanged<T>(runtime: Runtime, action: () => Promise<T>): Promise<T> {
  const before = await snapshot(runtime);
  const result = await action();
  assert.deepEqual(await snapshot(runtime), before, "the store changed");
  return result;
}
