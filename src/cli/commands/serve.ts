import type { FastifyInstance } from "fastify";
import type { Config } from "../../config.js";
import { buildServer } from "../../http/server.js";
import { DEMO_ACCOUNT, openRuntime, type Runtime } from "../../runtime.js";
import { checkDatabaseUrl } from "../database.js";

export interface ApiServer {
  app: FastifyInstance;
  runtime: Runtime;
  /** Stops accepting, drains in-flight requests, then closes the store. */
  close(): Promise<void>;
}

/** Opens the store (applying migrations) and starts the HTTP server on config.port/host. */
export async function startApi(config: Config): Promise<ApiServer> {
  await checkDatabaseUrl(config);
  const runtime = await openRuntime(config);
  let app: FastifyInstance;
  try {
    app = await buildServer(runtime, { level: config.logLevel });
    app.addHook("onClose", async () => runtime.close());
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await runtime.close().catch(() => undefined);
    throw error;
  }
  if (config.demo) app.log.info(`demo account ready: sid ${DEMO_ACCOUNT.sid}, api key ${DEMO_ACCOUNT.apiKey}, token ${DEMO_ACCOUNT.apiToken}`);
  return { app, runtime, close: () => app.close() };
}

/** Calls `stop` once, on the first SIGTERM or SIGINT. */
export function onSignal(stop: (signal: NodeJS.Signals) => void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    stop(signal);
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}

/** `trunkline serve`: the API server until SIGTERM/SIGINT, then drains and exits 0. */
export async function serve(config: Config): Promise<undefined> {
  const api = await startApi(config);
  onSignal((signal) => {
    api.app.log.info({ signal }, "shutting down");
    api.close().then(
      () => process.exit(0),
      (err: unknown) => {
        api.app.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  });
  return undefined;
}
