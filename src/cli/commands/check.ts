import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { Config } from "../../config.js";
import { runCheck } from "../../check/run.js";
import { renderText } from "../../check/report.js";
import { loadSecretKey, SecretBox } from "../../crypto/secretBox.js";
import { ChangeFeed } from "../../services/changeFeed.js";
import { createServices } from "../../services/index.js";
import { openStore } from "../../store/db.js";
import { checkDatabaseUrl, redactUrl } from "../database.js";

/**
 * `trunkline check TRUNK [--call NUMBER] [--json] [--rpc URL] [--from IP]`: can this trunk carry a
 * call now? Prints each step (✔/✘, with a fix) or, with --json, `{ ok, trunk, steps }`. Exit
 * code 0 only if every step passed. Reads the store (DATABASE_URL) and never writes it.
 */
export async function check(trunk: string, opts: { call?: string; json?: boolean; rpc?: string; from?: string }, config: Config): Promise<number> {
  await checkDatabaseUrl(config);
  const store = openStore({ databaseUrl: config.databaseUrl, pgSchema: config.pgSchema, poolSize: 2 });
  try {
    // Never create a key file here: a new key could not open the store's credentials anyway.
    const keyKnown = config.secretKey !== undefined || existsSync(config.secretKeyFile);
    const secrets = new SecretBox(keyKnown ? loadSecretKey(config.secretKey, config.secretKeyFile) : randomBytes(32));
    const services = createServices({ store, secrets, feed: new ChangeFeed(), regions: config.regions, sipRealm: config.sipRealm, sipDomainSuffix: config.sipDomainSuffix });
    const result = await runCheck(services, config, trunk, opts).catch((error: unknown) => {
      // A store no trunkline process has migrated yet: say so rather than "no such table".
      if (/no such table|relation "?[\w.]+"? does not exist/i.test((error as Error).message)) {
        throw new Error(`DATABASE_URL=${redactUrl(config.databaseUrl)} holds no trunkline store (${(error as Error).message}): run trunkline migrate, or start trunkline up / serve, first`);
      }
      throw error;
    });
    process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderText(result));
    return result.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}
