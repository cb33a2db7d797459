import { parseArgs } from "node:util";
import type { Config } from "../../config.js";
import { MemoryRateLimiter } from "../../http/rateLimit.js";
import { openRuntime } from "../../runtime.js";
import { accountsRepo } from "../../store/repositories/accounts.js";
import { seedStore } from "../../store/seed.js";

const USAGE = `usage:
  trunkline seed --trunks N [--numbers M] [--account SID] [--hot-trunk-numbers K] [--json]

Bulk-inserts N trunks and M number mappings (+919XXXXXXXXX, spread round-robin over the new
trunks; K of them on the first one) into account SID (default 'seed'), creating the account —
and printing its API credentials — when it does not exist.`;

function count(raw: string | undefined, name: string): number {
  if (raw === undefined) return 0;
  const n = Number(raw.replace(/_/g, ""));
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

/** `trunkline seed`: test data at scale, against the same DATABASE_URL a server uses. */
export async function seed(argv: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      trunks: { type: "string" },
      numbers: { type: "string" },
      account: { type: "string" },
      "hot-trunk-numbers": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help || values.trunks === undefined) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const trunks = count(values.trunks, "trunks");
  const numbers = count(values.numbers, "numbers");
  const hot = count(values["hot-trunk-numbers"], "hot-trunk-numbers");
  const accountSid = values.account ?? "seed";
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
