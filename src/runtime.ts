import type { Config } from "./config.js";
import { loadSecretKey, SecretBox } from "./crypto/secretBox.js";
import type { RateLimiter } from "./http/rateLimit.js";
import { MemoryRateLimiter } from "./http/rateLimit.js";
import { RedisRateLimiter } from "./http/redisRateLimiter.js";
import type { AppDeps } from "./http/deps.js";
import { EdgeReloader } from "./edge/reloader.js";
import { stderrLog } from "./log.js";
import { MediaRelayStatus } from "./media/status.js";
import { CallRetentionJob } from "./services/calls.js";
import { ChangeFeed } from "./services/changeFeed.js";
import { ensureDemoSamples } from "./services/demoSamples.js";
import { createServices } from "./services/index.js";
import { checkSecretKey } from "./services/secretKeyCheck.js";
import { watchAccountChanges } from "./store/repositories/accountChanges.js";
import { migrateToLatest, openStore, type StoreOptions } from "./store/db.js";

export const DEMO_ACCOUNT = { sid: "exoteltest", apiKey: "exoteltest", apiToken: "a1b2c3d4e5f6g7h8i9j0" } as const;

/** How often old call records are pruned (and once at start). */
const CALL_RETENTION_INTERVAL_MS = 15 * 60_000;

export interface Runtime extends AppDeps {
  feed: ChangeFeed;
  /** Keeps the SIP edges in step with the store: those registered there, and TRUNKLINE_EDGE_RPC_URLS. */
  edge: EdgeReloader | undefined;
  /** Prunes old call records (TRUNKLINE_CALL_RETENTION_DAYS), when set. */
  callRetention: CallRetentionJob | undefined;
  /** The media relays registered in the store, polled over ng. */
  media: MediaRelayStatus;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Extra store options (tests use a fresh PostgreSQL schema). */
  store?: Partial<StoreOptions>;
  limiter?: RateLimiter;
  /** In demo mode, also the reference's sample trunks (default true; most tests want a bare account). */
  demoSamples?: boolean;
}

/** Opens the store, applies migrations and wires the services: one per process. */
export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const store = openStore({ databaseUrl: config.databaseUrl, pgSchema: config.pgSchema, ...options.store });
  await migrateToLatest(store);
  const feed = new ChangeFeed();
  const secrets = new SecretBox(loadSecretKey(config.secretKey, config.secretKeyFile));
  // A wrong key must stop the start, not fail the first credentials read.
  await checkSecretKey(store, secrets, { fromEnv: Boolean(config.secretKey), keyFile: config.secretKeyFile }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const accountChanges = await watchAccountChanges(store);
  const services = createServices({ store, secrets, feed, regions: config.regions, sipRealm: config.sipRealm, sipDomainSuffix: config.sipDomainSuffix, accountChanges });
  // Several API processes share one budget per account through Redis; one process needs no Redis.
  const limiter =
    options.limiter ??
    (config.redisUrl
      ? await RedisRateLimiter.open({ url: config.redisUrl, limit: config.rateLimitPerMinute, prefix: config.redisPrefix })
      : new MemoryRateLimiter(config.rateLimitPerMinute));
  if (config.demo) {
    await services.accounts.ensure(DEMO_ACCOUNT.sid, DEMO_ACCOUNT.apiKey, DEMO_ACCOUNT.apiToken);
    if (options.demoSamples ?? true) await ensureDemoSamples(services, DEMO_ACCOUNT.sid);
  }
  const edge = new EdgeReloader({ store, feed, urls: config.edgeRpcUrls ?? [], discover: { forgetAfterSeconds: config.edgeForgetAfterSeconds } }).start();
  const media = new MediaRelayStatus({ store, forgetAfterSeconds: config.edgeForgetAfterSeconds }).start();
  const callRetention = config.callRetentionDays
    ? new CallRetentionJob(services.calls, config.callRetentionDays, CALL_RETENTION_INTERVAL_MS, (error) =>
        stderrLog("call_retention").warn({ err: (error as Error).message }, "pruning old call records failed; retrying at the next interval"),
      ).start()
    : undefined;
  return {
    config,
    store,
    services,
    limiter,
    feed,
    edge,
    callRetention,
    media,
    async close() {
      await media.stop();
      await callRetention?.stop();
      await edge?.stop();
      await limiter.close();
      await accountChanges.close();
      await store.close();
    },
  };
}
