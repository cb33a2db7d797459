// One process of the concurrent-migration test: opens the store, says "ready", migrates on "go".
import { migrateToLatest, openStore } from "../../src/store/db.js";

const store = openStore({ databaseUrl: process.argv[2] as string });
process.stdout.write("ready\n");
process.stdin.once("data", async () => {
  try {
    process.stdout.write(`${JSON.stringify({ applied: await migrateToLatest(store) })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
  } finally {
    await store.close();
    process.stdin.destroy();
  }
});
