import type { Config } from "../../config.js";
import { openRuntime, type Runtime } from "../../runtime.js";
import { checkDatabaseUrl } from "../database.js";

/** Account administration against the same DATABASE_URL a running server uses. */
async function withRuntime(config: Config, fn: (runtime: Runtime) => Promise<number>): Promise<number> {
  await checkDatabaseUrl(config);
  const runtime = await openRuntime({ ...config, demo: false });
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}

export function createAccount(opts: { sid: string; apiKey?: string; apiToken?: string; json?: boolean }, config: Config): Promise<number> {
  return withRuntime(config, async (runtime) => {
    const issued = await runtime.services.accounts.create({ sid: opts.sid, apiKey: opts.apiKey, apiToken: opts.apiToken });
    print(opts.json, { sid: issued.account.sid, api_key: issued.apiKey, api_token: issued.apiToken });
    return 0;
  });
}

export function listAccounts(opts: { json?: boolean }, config: Config): Promise<number> {
  return withRuntime(config, async (runtime) => {
    const all = await runtime.services.accounts.list();
    if (opts.json) console.log(JSON.stringify(all.map((a) => ({ sid: a.sid, api_key: a.apiKey, created_at: a.createdAt }))));
    else for (const a of all) console.log(`${a.sid}\t${a.apiKey}\t${a.createdAt}`);
    return 0;
  });
}

export function rotateToken(opts: { sid: string; json?: boolean }, config: Config): Promise<number> {
  return withRuntime(config, async (runtime) => {
    const issued = await runtime.services.accounts.rotateToken(opts.sid);
    print(opts.json, { sid: issued.account.sid, api_key: issued.apiKey, api_token: issued.apiToken });
    return 0;
  });
}

function print(json: boolean | undefined, fields: Record<string, string>): void {
  if (json) console.log(JSON.stringify(fields));
  else for (const [k, v] of Object.entries(fields)) console.log(`${k}: ${v}`);
}
