import { parseArgs } from "node:util";
import type { Config } from "../../config.js";
import { openRuntime } from "../../runtime.js";

const USAGE = `usage:
  trunkline accounts create --sid <sid> [--api-key <key>] [--api-token <token>]
  trunkline accounts list
  trunkline accounts rotate-token --sid <sid>`;

/** Account administration against the same DATABASE_URL a running server uses. */
export async function accounts(argv: string[], config: Config): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { sid: { type: "string" }, "api-key": { type: "string" }, "api-token": { type: "string" }, json: { type: "boolean" } },
  });
  const runtime = await openRuntime({ ...config, demo: false });
  try {
    const svc = runtime.services.accounts;
    if (sub === "create") {
      if (!values.sid) throw new Error("--sid is required");
      const issued = await svc.create({ sid: values.sid, apiKey: values["api-key"], apiToken: values["api-token"] });
      print(values.json, { sid: issued.account.sid, api_key: issued.apiKey, api_token: issued.apiToken });
      return 0;
    }
    if (sub === "list") {
      const all = await svc.list();
      if (values.json) console.log(JSON.stringify(all.map((a) => ({ sid: a.sid, api_key: a.apiKey, created_at: a.createdAt }))));
      else for (const a of all) console.log(`${a.sid}\t${a.apiKey}\t${a.createdAt}`);
      return 0;
    }
    if (sub === "rotate-token") {
      if (!values.sid) throw new Error("--sid is required");
      const issued = await svc.rotateToken(values.sid);
      print(values.json, { sid: issued.account.sid, api_key: issued.apiKey, api_token: issued.apiToken });
      return 0;
    }
    console.error(USAGE);
    return 2;
  } finally {
    await runtime.close();
  }
}

function print(json: boolean | undefined, fields: Record<string, string>): void {
  if (json) console.log(JSON.stringify(fields));
  else for (const [k, v] of Object.entries(fields)) console.log(`${k}: ${v}`);
}
