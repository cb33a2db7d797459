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

export function createAccount(opts: { sid: string; name?: string; operator?: boolean; apiKey?: string; apiToken?: string; json?: boolean }, config: Config): Promise<number> {
  return withRuntime(config, async (runtime) => {
    const issued = await runtime.services.accounts.create({ sid: opts.sid, name: opts.name, operator: opts.operator === true, apiKey: opts.apiKey, apiToken: opts.apiToken });
    const a = issued.account;
    print(opts.json, { sid: a.sid, name: a.name ?? a.sid, ...(a.operator ? { operator: "yes" } : {}), api_key: issued.apiKey, api_token: issued.apiToken });
    return 0;
  });
}

/** `accounts update --sid S [--name N] [--operator | --no-operator]`; running servers see it on the next request. */
export function updateAccount(opts: { sid: string; name?: string; operator?: boolean; json?: boolean }, config: Config): Promise<number> {
  if (opts.name === undefined && opts.operator === undefined) throw new Error("nothing to change: give --name, --operator or --no-operator");
  return withRuntime(config, async (runtime) => {
    const a = await runtime.services.accounts.update(opts.sid, { ...(opts.name !== undefined ? { name: opts.name } : {}), ...(opts.operator !== undefined ? { operator: opts.operator } : {}) });
    if (opts.json) console.log(JSON.stringify({ sid: a.sid, name: a.name ?? a.sid, operator: a.operator === true }));
    else console.log(`account ${a.sid}: name "${a.name ?? a.sid}", ${a.operator ? "operator" : "not an operator"}`);
    return 0;
  });
}

export function listAccounts(opts: { json?: boolean }, config: Config): Promise<number> {
  return withRuntime(config, async (runtime) => {
    const all = await runtime.services.accounts.list();
    if (opts.json) console.log(JSON.stringify(all.map((a) => ({ sid: a.sid, name: a.name ?? a.sid, operator: a.operator === true, api_key: a.apiKey, created_at: a.createdAt }))));
    else for (const a of all) console.log(`${a.sid}\t${a.apiKey}\t${a.createdAt}${a.operator ? "\toperator" : ""}`);
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

/**
 * Deletes an account and its API credentials. One with trunks is refused unless `force`: then
 * each trunk is deleted through the trunk service first (as `trunks delete` does, so the edges
 * drop it), and the account last (AccountService.remove: running servers refuse its key at once).
 * Call records stay (history, pruned by retention).
 */
export function deleteAccount(opts: { sid: string; force?: boolean; json?: boolean }, config: Config): Promise<number> {
  return withRuntime(config, async ({ services }) => {
    if (!(await services.accounts.exists(opts.sid))) throw new Error(`Account '${opts.sid}' does not exist`);
    const first = await services.trunks.listByOffset(opts.sid, 0, 1000);
    if (first.items.length && !opts.force) {
      const more = first.hasMore ? " or more" : "";
      throw new Error(`account ${opts.sid} has ${first.items.length}${more} trunks (${first.items[0]!.sid}, ...): delete them first, or pass --force to delete them with the account`);
    }
    let trunks = 0;
    for (let page = first; page.items.length; page = await services.trunks.listByOffset(opts.sid, 0, 1000)) {
      for (const t of page.items) await services.trunks.delete(opts.sid, { sid: t.sid });
      trunks += page.items.length;
    }
    await services.accounts.remove(opts.sid);
    if (opts.json) console.log(JSON.stringify({ sid: opts.sid, deleted: true, trunks_deleted: trunks }));
    else console.log(`deleted account ${opts.sid} (${trunks} trunks)`);
    return 0;
  });
}
