import type { Config } from "../config.js";
import type { EdgeReloader } from "../edge/reloader.js";
import type { MediaRelayStatus } from "../media/status.js";
import type { Services } from "../services/index.js";
import type { Store } from "../store/db.js";
import type { RateLimiter } from "./rateLimit.js";

/** Everything a dialect needs; built once per process by `openRuntime`. */
export interface AppDeps {
  config: Config;
  store: Store;
  services: Services;
  limiter: RateLimiter;
  /** The SIP edges this process keeps in step, if any (their state shows in /readyz and /metrics). */
  edge?: EdgeReloader | undefined;
  /** The media relays (rtpengine) registered in the store, polled over ng (/readyz and /metrics). */
  media?: MediaRelayStatus | undefined;
}
