import { sql } from "kysely";
import { newTrunkSid, newUuid, randomString } from "../domain/ids.js";
import { nowIso } from "../domain/time.js";
import type { Store } from "./db.js";
import type { NewTrunkRow } from "./schema.js";

/**
 * Bulk test data for scale checks: trunks and number mappings of one account, inserted as batched
 * multi-row INSERTs, several batches per transaction. Rows are what the services would write for
 * an Exotel-created trunk, minus the per-trunk credential (seeded trunks have none) — enough for
 * listing and lookups at size, not for placing calls.
 */
export interface SeedOptions {
  accountSid: string;
  trunks: number;
  numbers: number;
  /** Of `numbers`, how many go to the first seeded trunk (a "hot" trunk to page through); the rest round-robin. */
  hotTrunkNumbers?: number;
  region: { alias: string; sidCode: string };
  domainSuffix: string;
  onProgress?: (what: "trunks" | "numbers", done: number, total: number) => void;
}

export interface SeedResult {
  trunks: number;
  numbers: number;
  /** The first seeded trunk (holds `hotTrunkNumbers` numbers) and one ordinary trunk. */
  hotTrunkSid: string | undefined;
  sampleTrunkSid: string | undefined;
  firstNumber: string | undefined;
  lastNumber: string | undefined;
  ms: { trunks: number; numbers: number; analyze: number };
}

/** Seeded numbers are +91 9XXXXXXXXX (13 characters, so text order is numeric order). */
const NUMBER_LOW = 9_000_000_000;
const NUMBER_HIGH = 9_999_999_999;
const numberText = (n: number) => `+91${n}`;

/** Rows per INSERT: under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
const TRUNK_BATCH = 1000; // 17 columns
const NUMBER_BATCH = 5000; // 5 columns
/** Batches per transaction: big enough to amortise the commit, small enough to bound the WAL. */
const BATCHES_PER_TX = 20;

export async function seedStore(store: Store, options: SeedOptions): Promise<SeedResult> {
  const { db } = store;
  const now = nowIso();
  const tag = randomString(4, "abcdefghijklmnopqrstuvwxyz0123456789");
  const trunkIds: number[] = [];
  let hotTrunkSid: string | undefined;
  let sampleTrunkSid: string | undefined;

  const t0 = performance.now();
  for (let done = 0; done < options.trunks; ) {
    await db.transaction().execute(async (trx) => {
      for (let b = 0; b < BATCHES_PER_TX && done < options.trunks; b++) {
        const rows: NewTrunkRow[] = [];
        for (let i = 0; i < TRUNK_BATCH && done + i < options.trunks; i++) {
          rows.push({
            sid: newTrunkSid(options.region.sidCode),
            uuid: newUuid(),
            account_sid: options.accountSid,
            // ≤ 16 characters of [A-Za-z0-9_], so the Exotel dialect can address and rename them.
            name: `s${tag}_${(done + i).toString(36)}`,
            nso_code: "ANY-ANY",
            domain_name: `${options.accountSid.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 63)}${options.domainSuffix}`,
            auth_type: "IP-WHITELIST",
            status: "active",
            region: options.region.alias,
            authentication_mode: "ip_address",
            max_channels: null,
            inbound_country: null,
            outbound_dial_string_prefix: null,
            outbound_national_dialing: 0,
            outbound_plus_prefix: 0,
            created_at: now,
            updated_at: now,
          });
        }
        const inserted = await trx.insertInto("trunks").values(rows).returning(["id", "sid"]).execute();
        // RETURNING order is not promised: the lowest id is the first trunk.
        inserted.sort((a, b) => a.id - b.id);
        for (const r of inserted) trunkIds.push(r.id);
        if (hotTrunkSid === undefined) hotTrunkSid = inserted[0]?.sid;
        if (sampleTrunkSid === undefined) sampleTrunkSid = inserted[1]?.sid;
        done += rows.length;
      }
    });
    options.onProgress?.("trunks", done, options.trunks);
  }
  const t1 = performance.now();

  let firstNumber: string | undefined;
  let lastNumber: string | undefined;
  if (options.numbers > 0) {
    if (trunkIds.length === 0) throw new Error("numbers need trunks to map to: pass --trunks");
    // Continue after the highest number seeded before, so repeated seeds never collide.
    const top = await db
      .selectFrom("phone_numbers")
      .select((eb) => eb.fn.max("number").as("top"))
      .where("number", ">=", numberText(NUMBER_LOW))
      .where("number", "<=", numberText(NUMBER_HIGH))
      .executeTakeFirst();
    const start = top?.top ? Number(String(top.top).slice(3)) + 1 : NUMBER_LOW;
    if (start + options.numbers - 1 > NUMBER_HIGH) throw new Error("the seeded number range (+919000000000 to +919999999999) is exhausted");
    const hot = Math.min(options.hotTrunkNumbers ?? 0, options.numbers);
    const hotId = trunkIds[0] as number;
    const rest = trunkIds.length > 1 ? trunkIds.slice(1) : trunkIds;
    firstNumber = numberText(start);
    lastNumber = numberText(start + options.numbers - 1);
    for (let done = 0; done < options.numbers; ) {
      await db.transaction().execute(async (trx) => {
        for (let b = 0; b < BATCHES_PER_TX && done < options.numbers; b++) {
          const n = Math.min(NUMBER_BATCH, options.numbers - done);
          const rows = new Array<{ trunk_id: number; number: string; mode: string | null; created_at: string; updated_at: string }>(n);
          for (let i = 0; i < n; i++) {
            const k = done + i;
            const trunkId = k < hot ? hotId : (rest[(k - hot) % rest.length] as number);
            rows[i] = { trunk_id: trunkId, number: numberText(start + k), mode: k % 10 === 0 ? "flow" : null, created_at: now, updated_at: now };
          }
          await trx.insertInto("phone_numbers").values(rows).execute();
          done += n;
        }
      });
      options.onProgress?.("numbers", done, options.numbers);
    }
  }
  const t2 = performance.now();
  // Fresh statistics, so both planners see the data as it now is; on PostgreSQL also the
  // visibility map (VACUUM), as autovacuum would set it shortly after a bulk load: without it an
  // index-only walk looks as dear as reading the rows, and deep pages plan as full scans.
  for (const table of ["trunks", "phone_numbers"]) {
    await (store.engine === "postgres" ? sql`vacuum analyze ${sql.table(table)}` : sql`analyze ${sql.table(table)}`).execute(db);
  }
  const t3 = performance.now();
  return {
    trunks: options.trunks,
    numbers: options.numbers,
    hotTrunkSid,
    sampleTrunkSid,
    firstNumber,
    lastNumber,
    ms: { trunks: Math.round(t1 - t0), numbers: Math.round(t2 - t1), analyze: Math.round(t3 - t2) },
  };
}
