import type { Config } from "../../config.js";
import { buildServer } from "../../http/server.js";
import { openRuntime } from "../../runtime.js";

/** Runs the API server until SIGTERM/SIGINT, then drains in-flight requests and closes the store. */
export async function serve(config: Config): Promise<void> {
  const runtime = await openRuntime(config);
  const app = await buildServer(runtime, { level: config.logLevel });
  app.addHook("onClose", async () => runtime.close());
  await app.listen({ port: config.port, host: config.host });
  if (config.demo) app.log.info("demo account ready: sid exoteltest, api key exoteltest, token a1b2c3d4e5f6g7h8i9j0");
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "shutting down");
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}
