import type { Config } from "../../config.js";
import { MemoryRateLimiter } from "../../http/rateLimit.js";
import { openRuntime } from "../../runtime.js";
import { accountsRepo } from "../../store/repositories/accounts.js";
import { seedStore } from "../../store/seed.js";
import { checkDatabaseUrl } from "../database.js";

export interface SeedFlags {
  trunks: number;
  numbers: number;
  account: string;
  hotTrunkNumbers: number;
  json?: boolean;
}

/** `trunkline seed`: test data at scale, against the same DATABASE_URL a server uses. */
export async function seed(flags: SeedFlags, config: Config): Promise<number> {
  const { trunks, numbers, hotTrunkNumbers: hot, account: accountSid } = flags;
  const values = { json: flags.json };
  await checkDatabaseUrl(config);
  // Seeding never consults the rate limiter: keep it off Redis.
  const runtime = await openRuntime({ ...config, demo: false }, { limiter: new MemoryRateLimiter(1) });
  try {
    let issued: { api_key: string; api_token: string } | undefined;
    if (!(await accountsRepo.findBySid(runtime.store.db, accountSid))) {
      const made = await runtime.services.accounts.create({ sid: accountSid });
      issued = { api_key: made.apiKey, api_token: made.apiToken };
    }
    const progress = values.json
      ? undefined
      : (what: string, done: number, total: number) => process.stderr.write(`\r${what}: ${done}/${total}${done === total ? "\n" : ""}`);
    const region = config.regions.default;
    const result = await seedStore(runtime.store, {
      accountSid,
      trunks,
      numbers,
      hotTrunkNumbers: hot,
      region: { alias: region.alias, sidCode: region.sidCode },
      domainSuffix: config.sipDomainSuffix,
      onProgress: progress,
    });
    const out = { account_sid: accountSid, ...issued, engine: runtime.store.engine, ...result };
    if (values.json) console.log(JSON.stringify(out));
    else {
      if (issued) console.log(`created account ${accountSid}: api_key ${issued.api_key}, api_token ${issued.api_token}`);
      console.log(
        `seeded ${result.trunks} trunks in ${result.ms.trunks} ms and ${result.numbers} numbers in ${result.ms.numbers} ms on ${runtime.store.engine}` +
          (result.firstNumber ? ` (${result.firstNumber} to ${result.lastNumber})` : ""),
      );
      if (result.hotTrunkSid) console.log(`first trunk (with ${hot} numbers): ${result.hotTrunkSid}`);
    }
    return 0;
  } finally {
    await runtime.close();
  }
}
