import type { Config } from "../../../config.js";
import { DomainError } from "../../../domain/errors.js";
import { exotelErrorFor } from "../../../dialects/exotel/errors.js";
import { restExceptionFor } from "../../../dialects/exotel/v1/errors.js";
import type { Runtime } from "../../../runtime.js";
import { checkDatabaseUrl } from "../../database.js";
import { ApiError, type Target } from "./op.js";

export interface ServerFlags {
  url: string;
  key?: string;
  token?: string;
}

/**
 * How store mode opens its runtime. In-process tests open one for many commands: opening costs
 * about a second on PostgreSQL (the store's start-up steps run each time).
 */
export const runtimes = {
  open: async (config: Config): Promise<Pick<Runtime, "services" | "edge" | "close">> => (await import("../../../runtime.js")).openRuntime({ ...config, demo: false }),
};

/** Store mode: the services on DATABASE_URL, one runtime per command (as `accounts` does). */
export function storeTarget(config: Config, account: string): Target {
  return {
    async run(op) {
      await checkDatabaseUrl(config);
      const runtime = await runtimes.open(config);
      try {
        const result = await op.store(runtime.services, account);
        // The write reaches running edges before the command exits: no API process would push it.
        if (op.http.method !== "GET") await runtime.edge?.reachEdges();
        return result;
      } catch (error) {
        throw asApiError(error, op.http.v1 === true);
      } finally {
        await runtime.close();
      }
    },
  };
}

/** A domain error as the wire would report it (the same code and text as server mode prints). */
function asApiError(error: unknown, v1: boolean): unknown {
  if (!(error instanceof DomainError)) return error;
  if (v1) {
    const { status, message } = restExceptionFor(error);
    return new ApiError(status, "RestException", message);
  }
  const { data } = exotelErrorFor(error);
  return new ApiError(data.code, data.message, data.description);
}

/** Server mode: the Exotel API of a running trunkline (v2; v1 for call records), HTTP Basic. */
export function serverTarget(flags: ServerFlags, account: string): Target {
  const base = flags.url.replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+/.test(base)) throw new Error(`--url ${flags.url}: must be http://HOST:PORT or https://HOST:PORT`);
  if (!flags.key || !flags.token) throw new Error("--url needs the account's API key and token: --key and --token (or TRUNKLINE_API_KEY and TRUNKLINE_API_TOKEN)");
  const authorization = `Basic ${Buffer.from(`${flags.key}:${flags.token}`).toString("base64")}`;
  return {
    async run(op) {
      const { method, path, query, body, v1 } = op.http;
      const prefix = v1 ? `/v1/Accounts/${encodeURIComponent(account)}` : `/v2/accounts/${encodeURIComponent(account)}`;
      const params = new URLSearchParams(Object.entries(query ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
      const url = `${base}${prefix}${path}${params.size ? `?${params.toString()}` : ""}`;
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: { authorization, accept: "application/json", ...(body !== undefined ? { "content-type": "application/json" } : {}) },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(30_000),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new Error(`cannot reach the server at ${base}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
      }
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new Error(`${base} answered ${method} ${prefix}${path} with HTTP ${response.status} and no API response: is --url a trunkline server?`);
      }
      return v1 ? fromV1(parsed) : fromV2(parsed, response.status, base);
    },
  };
}

interface Failure {
  status?: string;
  data?: unknown;
  error_data?: { code: number; message: string; description: string } | null;
}

function fromV2(body: unknown, status: number, base: string): unknown {
  const response = (body as { response?: Failure | Failure[] }).response;
  if (response === undefined) throw new Error(`${base} answered HTTP ${status} without an Exotel envelope: is --url a trunkline server?`);
  // A batch write of one item answers with a one-item list; credentials with none answer `[]`.
  const item = Array.isArray(response) ? (response.length && (body as { metadata?: { total?: number } }).metadata?.total !== undefined ? response[0] : undefined) : response;
  if (!item) return [];
  if (item.status === "failure" && item.error_data) throw new ApiError(item.error_data.code, item.error_data.message, item.error_data.description);
  return item.data;
}

function fromV1(body: unknown): unknown {
  const failure = (body as { RestException?: { Status: number; Message: string } }).RestException;
  if (failure) throw new ApiError(failure.Status, "RestException", failure.Message);
  return body;
}
