import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { after, before, describe } from "node:test";
import type { FastifyInstance } from "fastify";
import { loadConfig } from "../../src/config.js";
import { buildServer } from "../../src/http/server.js";
import { DEMO_ACCOUNT, openRuntime, type Runtime } from "../../src/runtime.js";
import { CarrierClient } from "./carrierClient.js";
import { basicAuth, ExotelClient } from "./client.js";
import { ENGINES, openStoreFixture, type EngineName, type StoreFixture } from "./stores.js";

export interface TestServer {
  engine: EngineName;
  baseUrl: string;
  runtime: Runtime;
  /** The demo account of the reference (exoteltest / a1b2c3d4e5f6g7h8i9j0). */
  demo: ExotelClient;
  /** The demo account through the carrier API (Bearer a1b2c3d4e5f6g7h8i9j0). */
  demoCarrier: CarrierClient;
  /** Creates an account and returns a client for it. */
  account(sid: string): Promise<ExotelClient>;
  /** Creates an account and returns a client for each dialect. */
  clients(sid: string): Promise<{ exotel: ExotelClient; carrier: CarrierClient }>;
  /** Stops the server and its runtime but keeps the store (the SIP edge suites read it on). */
  stop(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real server on 127.0.0.1 (random port) in demo mode, over a fresh store of the given engine.
 * `env` adds to / overrides the environment given to loadConfig. The rate limit is lifted unless
 * `env` sets TRUNKLINE_RATE_LIMIT_PER_MINUTE (only the rate-limit suite keeps the default). The
 * demo account comes without the reference's sample trunks unless `demoSamples` asks for them.
 */
export async function startServer(engine: EngineName, env: Record<string, string> = {}, options: { demoSamples?: boolean } = {}): Promise<TestServer> {
  const store: StoreFixture = await openStoreFixture(engine);
  let runtime: Runtime | undefined;
  let app: FastifyInstance | undefined;
  try {
    const config = loadConfig({
      DATABASE_URL: store.databaseUrl,
      TRUNKLINE_SECRET_KEY: randomBytes(32).toString("hex"),
      TRUNKLINE_DEMO: "1",
      TRUNKLINE_RATE_LIMIT_PER_MINUTE: "1000000",
      ...env,
    });
    const rt = await openRuntime(config, { store: { pgSchema: store.pgSchema }, demoSamples: options.demoSamples ?? false });
    runtime = rt;
    app = await buildServer(rt);
    await app.listen({ port: 0, host: "127.0.0.1" });
    const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const server = app;
    let stopped: Promise<void> | undefined;
    const stop = async () => {
      stopped ??= server.close().then(() => rt.close());
      await stopped;
    };
    return {
      engine,
      baseUrl,
      runtime: rt,
      demo: new ExotelClient(baseUrl, DEMO_ACCOUNT.sid, basicAuth(DEMO_ACCOUNT.apiKey, DEMO_ACCOUNT.apiToken)),
      demoCarrier: new CarrierClient(baseUrl, DEMO_ACCOUNT.apiToken),
      async account(sid) {
        const issued = await rt.services.accounts.create({ sid });
        return new ExotelClient(baseUrl, sid, basicAuth(issued.apiKey, issued.apiToken));
      },
      async clients(sid) {
        const issued = await rt.services.accounts.create({ sid });
        return { exotel: new ExotelClient(baseUrl, sid, basicAuth(issued.apiKey, issued.apiToken)), carrier: new CarrierClient(baseUrl, issued.apiToken) };
      },
      stop,
      async close() {
        await stop();
        await store.dispose();
      },
    };
  } catch (error) {
    await app?.close();
    await runtime?.close();
    await store.dispose();
    throw error;
  }
}

/**
 * One `describe` per engine (SQLite, then PostgreSQL), each with its own server and store. The
 * suite body gets a getter for the running server.
 */
export function describeOnEngines(title: string, suite: (server: () => TestServer) => void, env: Record<string, string> = {}): void {
  for (const engine of ENGINES) {
    describe(`${title} [${engine}]`, () => {
      let server: TestServer | undefined;
      before(async () => {
        server = await startServer(engine, env);
      });
      after(async () => {
        await server?.close();
      });
      suite(() => {
        if (!server) throw new Error(`the ${engine} server did not start`);
        return server;
      });
    });
  }
}
