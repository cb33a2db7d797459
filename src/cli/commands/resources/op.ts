import type { Services } from "../../../services/index.js";

/**
 * One CLI operation, said twice: as the Exotel request a running server answers (`--url`), and
 * as the same service call with the same rendering (store mode). Both go through the same domain
 * rules, so results and errors are the same whichever way the command runs.
 */
export interface Op {
  http: {
    method: "GET" | "POST" | "PUT" | "DELETE";
    /** Below /v2/accounts/{account} (or /v1/Accounts/{account} when `v1`). */
    path: string;
    query?: Record<string, string | undefined>;
    body?: unknown;
    v1?: boolean;
  };
  /** The wire's `response.data` (v2), or the v1 body, computed from the services. */
  store(services: Services, account: string): Promise<unknown>;
}

/** An error as the API reports it: the Exotel code and message plus the description. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly title: string,
    readonly description: string,
  ) {
    super(`${description} (${code} ${title})`);
  }
}

/** Where commands run: the store (DATABASE_URL) or a server (--url). */
export interface Target {
  run(op: Op): Promise<unknown>;
}
