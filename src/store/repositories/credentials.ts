import type { Insertable, Updateable } from "kysely";
import type { Executor } from "../executor.js";
import { prepared } from "../prepared.js";
import type { CredentialsTable } from "../schema.js";

// Read on every credentials request; compiled once (see prepared.ts).
const ofTrunk = prepared((db, $) => db.selectFrom("credentials").selectAll().where("trunk_id", "=", $<number>(0)).orderBy("id"));

const COLUMNS = ["trunk_id", "username", "password_enc", "ha1", "realm", "friendly_name", "created_at", "updated_at"] as const satisfies readonly (keyof Insertable<CredentialsTable>)[];
/** Every trunk create runs it (the trunk's credential): compiled once, not built per request. */
const insertRow = prepared((db, $) =>
  db
    .insertInto("credentials")
    .values(Object.fromEntries(COLUMNS.map((c, i) => [c, $(i)])) as unknown as Insertable<CredentialsTable>)
    .returningAll(),
);

export const credentialsRepo = {
  async insert(db: Executor, row: Insertable<CredentialsTable>) {
    const [r] = await insertRow(db, ...COLUMNS.map((c) => row[c] ?? null));
    if (!r) throw new Error("insert into credentials returned no row");
    return r;
  },
  /** A trunk has a handful of credentials at most (bounded at write time). */
  allOfTrunk(db: Executor, trunkId: number) {
    return ofTrunk(db, trunkId);
  },
  findInTrunk(db: Executor, trunkId: number, id: number) {
    return db.selectFrom("credentials").selectAll().where("trunk_id", "=", trunkId).where("id", "=", id).executeTakeFirst();
  },
  update(db: Executor, id: number, patch: Updateable<CredentialsTable>) {
    return db.updateTable("credentials").set(patch).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
  },
  delete(db: Executor, id: number) {
    return db.deleteFrom("credentials").where("id", "=", id).executeTakeFirst();
  },
  /** One sealed password of the store, if it has any (the secret key check at start). */
  async anySealed(db: Executor): Promise<string | undefined> {
    const row = await db.selectFrom("credentials").select("password_enc").orderBy("id").limit(1).executeTakeFirst();
    return row?.password_enc;
  },
  deleteAllOfTrunk(db: Executor, trunkId: number) {
    return db.deleteFrom("credentials").where("trunk_id", "=", trunkId).execute();
  },
};
