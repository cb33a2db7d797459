#!/usr/bin/env node
import { loadConfig } from "../config.js";
import { DomainError } from "../domain/errors.js";
import { migrateToLatest, openStore } from "../store/db.js";
import { accounts } from "./commands/accounts.js";
import { edge } from "./commands/edge.js";
import { seed } from "./commands/seed.js";
import { serve } from "./commands/serve.js";

const USAGE = `trunkline — SIP trunking platform

usage: trunkline <command> [options]

commands:
  serve [--demo] [--port N] [--host H]   run the API server (embedded SQLite unless DATABASE_URL is postgres://)
  migrate                                apply database migrations and exit
  accounts create|list|rotate-token      manage accounts and API credentials
  seed --trunks N [--numbers M] [--account SID]   bulk test data (scale checks, benchmarks)
  edge [--print] [--listen IP:PORT] [--tls-listen IP:PORT] [--rpc IP:PORT] [--children N] [--realm R] [--shm MB]
                                         run the Kamailio SIP edge on this store (or print its config)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case "serve": {
      for (let i = 0; i < rest.length; i++) {
        if (rest[i] === "--demo") config.demo = true;
        else if (rest[i] === "--port") config.port = Number(rest[++i]);
        else if (rest[i] === "--host") config.host = String(rest[++i]);
      }
      await serve(config);
      return -1; // keeps running
    }
    case "migrate": {
      const store = openStore({ databaseUrl: config.databaseUrl, pgSchema: config.pgSchema });
      const applied = await migrateToLatest(store);
      console.log(applied.length ? `applied: ${applied.join(", ")}` : "up to date");
      await store.close();
      return 0;
    }
    case "accounts":
      return accounts(rest, config);
    case "seed":
      return seed(rest, config);
    case "edge":
      return edge(rest, config);
    case undefined:
    case "help":
    case "--help":
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(error instanceof DomainError || error instanceof Error ? `error: ${error.message}` : error);
    process.exit(1);
  },
);
