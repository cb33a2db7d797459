import type { Config } from "../../config.js";
import { migrateToLatest, openStore } from "../../store/db.js";
import { checkDatabaseUrl } from "../database.js";

/** `trunkline migrate`: applies pending migrations to DATABASE_URL and exits. */
export async function migrate(config: Config): Promise<number> {
  await checkDatabaseUrl(config);
  const store = openStore({ databaseUrl: config.databaseUrl, pgSchema: config.pgSchema });
  try {
    const applied = await migrateToLatest(store);
    console.log(applied.length ? `applied: ${applied.join(", ")}` : "up to date");
    return 0;
  } finally {
    await store.close();
  }
}
