import type { Account } from "../domain/types.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated account, set by a dialect's auth hook. */
    account?: Account;
  }
}
