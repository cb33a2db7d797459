import {
  CarrierApiError,
  createCarrierClient,
  createExotelClient,
  ExotelApiError,
  ExotelV1ApiError,
  TrunklineApiError,
} from "../../packages/client/src/index.js";
import { accountSid, type Session, type SessionAccount } from "./session.js";

import { data } from "../../packages/client/src/index.js";

export { data };

/**
 * Requests carry their Authorization themselves and never ambient credentials. `omit` also keeps
 * the browser from answering a 401 (WWW-Authenticate: Basic) with its own sign-in dialog, which
 * would hold the request until someone typed into it.
 */
const CREDENTIALS = "omit" as const;

/** Dispatched on window when the API answers 401: the session's key or token stopped working. */
export const UNAUTHORIZED_EVENT = "trunkline:unauthorized";

/** fetch that tells the app about a 401 (a rotated token, a deleted account) so it can sign out. */
const watchedFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  if (res.status === 401) dispatchEvent(new Event(UNAUTHORIZED_EVENT));
  return res;
};

/** The Exotel v2/v1 client for the session (Basic key:token). */
export function exotel(session: Pick<Session, "baseUrl" | "apiKey" | "apiToken">) {
  return createExotelClient({ baseUrl: session.baseUrl, apiKey: session.apiKey, apiToken: session.apiToken, credentials: CREDENTIALS, fetch: watchedFetch });
}

/**
 * `Trunkline-Account` for an operator acting as another account: the carrier API then answers as
 * that account (docs/operators.md); nothing otherwise.
 */
function actingHeaders(session: Partial<Pick<Session, "actingAs">>): Record<string, string> {
  return session.actingAs ? { "trunkline-account": session.actingAs } : {};
}

/** The carrier client for the session (the token as Bearer; the acted-as account when there is one). */
export function carrier(session: Pick<Session, "baseUrl" | "apiToken"> & Partial<Pick<Session, "actingAs">>) {
  return createCarrierClient({ baseUrl: session.baseUrl, token: session.apiToken, headers: actingHeaders(session), credentials: CREDENTIALS, fetch: watchedFetch });
}

/** Path params every Exotel v2 call needs: the managed account. */
export function acct(session: Session): { account_sid: string } {
  return { account_sid: accountSid(session) };
}

/** A failed call in words, as the API sent it (with the request id to quote). */
export function errorText(e: unknown): string {
  if (e instanceof ExotelApiError) return withId(e.body.response?.error_data?.description ?? e.message, e.requestId);
  if (e instanceof ExotelV1ApiError) return withId(e.body.RestException?.Message ?? e.message, e.requestId);
  if (e instanceof CarrierApiError) return withId(e.errors?.map((x) => x.detail ?? x.title).join("; ") || e.message, e.requestId);
  if (e instanceof TrunklineApiError) return withId(e.message, e.requestId);
  if (e instanceof BatchItemError) return e.message;
  if (e instanceof TypeError) return "The server could not be reached";
  return e instanceof Error ? e.message : String(e);
}

function withId(text: string, requestId: string | null): string {
  return requestId ? `${text} (request ${requestId})` : text;
}

/** A field name as a message may write it: `trunk_name`, `trunk name`, `Trunk name`. */
function mentions(text: string, field: string): number {
  const re = new RegExp(`\\b${field.replace(/_/g, "[_ ]")}\\b`, "i");
  const m = re.exec(text);
  return m ? m.index : -1;
}

/**
 * An Exotel error description mapped to the field it names (of `fields`, the form's): the v2
 * body has no field pointer, but every validation message names its field first. Carrier errors
 * name it in `source.pointer` (`/data/attributes/name`) or `source.parameter`. Anything not
 * attributed goes under "" (the form's own notice), except a conflict (409), which goes under
 * `fallback` (the form's identifying field: "Trunk with name 'x' already exists" is the name's).
 */
export function fieldErrors(e: unknown, fields: readonly string[], fallback = ""): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (field: string, text: string) => {
    out[field] = out[field] ? `${out[field]}; ${text}` : text;
  };
  if (e instanceof CarrierApiError && e.status < 500) {
    for (const err of e.errors ?? []) {
      const src = (err.source ?? {}) as { pointer?: string; parameter?: string };
      const name = src.pointer?.split("/").pop() ?? src.parameter ?? "";
      put(fields.includes(name) ? name : "", err.detail ?? err.title ?? e.message);
    }
    return out;
  }
  if (e instanceof BatchItemError) return { [attribute(e.message, fields) || fallback]: e.message };
  if (e instanceof ExotelApiError && e.status < 500) {
    const text = e.body.response?.error_data?.description ?? e.message;
    return { [attribute(text, fields) || (e.status === 409 ? fallback : "")]: text };
  }
  return { "": errorText(e) };
}

/** The field of `fields` named earliest in `text`, or "". */
export function attribute(text: string, fields: readonly string[]): string {
  let best = "";
  let at = Infinity;
  for (const f of fields) {
    const i = mentions(text, f);
    if (i >= 0 && i < at) [best, at] = [f, i];
  }
  return best;
}

/** One item of an Exotel batch write (numbers, IPs, destinations): 200 when all succeed, 207 otherwise. */
export interface BatchItem {
  status: string;
  code: number;
  error_data?: { code: number; message: string; description: string } | null;
  data?: unknown;
}

/** A failed item of an Exotel batch write (answered 207): its description. */
export class BatchItemError extends Error {}

/** Throws the first failed item's description as a BatchItemError (forms show it by its field). */
export function checkItems(items: readonly BatchItem[] | BatchItem | undefined | null): void {
  const list = Array.isArray(items) ? items : items ? [items as BatchItem] : [];
  const failed = list.find((i) => i.status === "failure");
  if (failed) throw new BatchItemError(failed.error_data?.description ?? "The request failed");
}

// ---- the console's account endpoints (carrier extensions, docs/operators.md) ----

/** GET /carrier/v1/account: whose token this is. */
export async function ownAccount(session: Pick<Session, "baseUrl" | "apiToken">): Promise<SessionAccount> {
  const doc = await data(carrier(session).GET("/carrier/v1/account"));
  return { sid: doc.data.id, name: doc.data.attributes.name, operator: doc.data.attributes.operator };
}

/** GET /carrier/v1/accounts (operators): one cursor page. */
export async function listAccounts(session: Session, after?: string, size = 50) {
  const query = { "page[size]": String(size), ...(after ? { "page[after]": after } : {}) };
  const doc = await data(carrier(session).GET("/carrier/v1/accounts", { params: { query } }));
  return { items: doc.data, next: afterCursor(doc.links.next) };
}

/** `page[after]` of a JSON:API `links.next` URL. */
export function afterCursor(next: string | null | undefined): string | null {
  if (!next) return null;
  return new URL(next, "http://x").searchParams.get("page[after]");
}

// Untyped requests (kept for pages written before the client was regenerated; prefer exotel()/carrier()).

/** A carrier GET outside the generated client's paths, failing with the same typed error. */
export async function carrierGet(session: Pick<Session, "baseUrl" | "apiToken"> & Partial<Pick<Session, "actingAs">>, path: string): Promise<unknown> {
  const res = await watchedFetch(`${session.baseUrl}${path}`, { credentials: CREDENTIALS, headers: { authorization: `Bearer ${session.apiToken}`, accept: "application/vnd.api+json", ...actingHeaders(session) } });
  const body = (await res.json().catch(() => ({ errors: [{ code: "invalid_response", detail: `HTTP ${res.status}` }] }))) as unknown;
  if (!res.ok) throw new CarrierApiError(`HTTP ${res.status}`, res.status, body as never, res.headers.get("x-request-id"));
  return body;
}

/** An Exotel request outside the generated client's paths (v2 extensions, v1 stats). */
export async function exotelRequest(session: Session, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await watchedFetch(`${session.baseUrl}${path}`, {
    method,
    credentials: CREDENTIALS,
    headers: { authorization: `Basic ${btoa(`${session.apiKey}:${session.apiToken}`)}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const parsed = (await res.json().catch(() => ({}))) as unknown;
  if (!res.ok) {
    const id = res.headers.get("x-request-id");
    if (path.startsWith("/v1/")) throw new ExotelV1ApiError(`HTTP ${res.status}`, res.status, parsed as never, id);
    throw new ExotelApiError(`HTTP ${res.status}`, res.status, parsed as never, id);
  }
  return parsed;
}
