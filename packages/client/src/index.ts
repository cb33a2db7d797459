import createClient, { type Client, type ClientOptions, type Middleware } from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };

/** The paths of one dialect: each client only offers its own. */
type PathsUnder<Prefix extends string> = { [K in keyof paths as K extends `${Prefix}${string}` ? K : never]: paths[K] };
export type ExotelPaths = PathsUnder<"/v2/" | "/v1/">;
export type CarrierPaths = PathsUnder<"/carrier/v1/">;

export type ExotelErrorBody = components["schemas"]["ExotelError"];
export type ExotelV1ErrorBody = components["schemas"]["V1RestException"];
export type CarrierErrorBody = components["schemas"]["JsonApiErrorDocument"];

/** Any answer of 400 or more, with the dialect's error body as sent. */
export class TrunklineApiError<Body> extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: Body,
    /** X-Request-Id: quote it when reporting a problem. */
    readonly requestId: string | null,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Exotel v2: `body.response.error_data` holds the numeric code (1001, 1003, ...) and the description. */
export class ExotelApiError extends TrunklineApiError<ExotelErrorBody> {
  get code(): number {
    return this.body.response.error_data.code;
  }
}

/** Exotel v1 Call Details: `{"RestException": {"Status", "Message"}}`. */
export class ExotelV1ApiError extends TrunklineApiError<ExotelV1ErrorBody> {}

/** Carrier (JSON:API): `body.errors`, one per problem, each with a code and a source pointer or parameter. */
export class CarrierApiError extends TrunklineApiError<CarrierErrorBody> {
  get errors(): CarrierErrorBody["errors"] {
    return this.body.errors;
  }
}

/** The body of a failed response, or a stand-in when it is not JSON (a proxy's error page). */
async function errorBody(response: Response): Promise<unknown> {
  const text = await response.clone().text();
  try {
    return JSON.parse(text);
  } catch {
    return { text };
  }
}

function describe(status: number, body: unknown): string {
  const b = body as { response?: { error_data?: { code?: number; description?: string } }; RestException?: { Message?: string }; errors?: { code?: string; detail?: string }[] };
  const detail =
    b.response?.error_data?.description !== undefined
      ? `${b.response.error_data.code}: ${b.response.error_data.description}`
      : (b.RestException?.Message ?? b.errors?.map((e) => `${e.code}: ${e.detail}`).join("; ") ?? "");
  return `HTTP ${status}${detail ? ` ${detail}` : ""}`;
}

/** Throws the dialect's error for any status of 400 or more (207 batch answers are not errors). */
function throwOnError(make: (url: string, status: number, body: unknown, requestId: string | null) => Error): Middleware {
  return {
    async onResponse({ response }) {
      if (response.status < 400) return undefined;
      throw make(response.url, response.status, await errorBody(response), response.headers.get("x-request-id"));
    },
  };
}

export interface ExotelClientOptions extends Omit<ClientOptions, "baseUrl"> {
  /** The server, e.g. http://localhost:8080 (no path). */
  baseUrl: string;
  apiKey: string;
  apiToken: string;
}

/**
 * The Exotel v2 and v1 APIs (HTTP Basic api_key:api_token). Every method resolves with `data` on
 * success and rejects with ExotelApiError (v2) or ExotelV1ApiError (v1) otherwise.
 */
export function createExotelClient({ baseUrl, apiKey, apiToken, headers, ...rest }: ExotelClientOptions): Client<ExotelPaths> {
  const client = createClient<ExotelPaths>({
    baseUrl,
    ...rest,
    headers: { authorization: `Basic ${btoa(`${apiKey}:${apiToken}`)}`, ...(headers as Record<string, string> | undefined) },
  });
  client.use(
    throwOnError((url, status, body, id) =>
      new URL(url).pathname.startsWith("/v1/")
        ? new ExotelV1ApiError(describe(status, body), status, body as ExotelV1ErrorBody, id)
        : new ExotelApiError(describe(status, body), status, body as ExotelErrorBody, id),
    ),
  );
  return client;
}

export interface CarrierClientOptions extends Omit<ClientOptions, "baseUrl"> {
  baseUrl: string;
  /** The account's API token (Bearer). */
  token: string;
}

/**
 * The carrier SIP trunks API (JSON:API, Bearer token). Bodies go as application/vnd.api+json;
 * failures reject with CarrierApiError carrying the error document.
 */
export function createCarrierClient({ baseUrl, token, headers, ...rest }: CarrierClientOptions): Client<CarrierPaths> {
  const client = createClient<CarrierPaths>({
    baseUrl,
    ...rest,
    headers: { authorization: `Bearer ${token}`, accept: "application/vnd.api+json", "content-type": "application/vnd.api+json", ...(headers as Record<string, string> | undefined) },
  });
  client.use(throwOnError((_url, status, body, id) => new CarrierApiError(describe(status, body), status, body as CarrierErrorBody, id)));
  return client;
}

/** `data` of a successful call (the clients reject on errors, so it is always there). */
export async function data<R extends { data?: unknown; response: Response }>(call: Promise<R>): Promise<NonNullable<R["data"]>> {
  const result = await call;
  if (result.data === undefined || result.data === null) throw new Error(`HTTP ${result.response.status}: no body`);
  return result.data as NonNullable<R["data"]>;
}
