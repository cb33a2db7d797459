import { request as httpRequest } from "node:http";
import { checkResponse } from "./openapiValidator.js";

/** Responses are checked field by field in the tests; the parsed body stays loosely typed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface ApiReply {
  status: number;
  headers: Headers;
  /** The parsed JSON body (undefined when the body is not JSON). */
  body: Json;
  text: string;
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

/** One HTTP request over loopback, exactly as given. */
export async function send(url: string, method: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<ApiReply> {
  const res = await fetch(url, { method, headers: init.headers, body: init.body });
  const text = await res.text();
  // Every response of the dialects must be one the OpenAPI document describes.
  await checkResponse(url, method, res.status, res.headers.get("content-type"), text);
  let body: Json;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** A request with exactly these headers and nothing else (fetch adds a Content-Type to a string body). */
export function sendBare(url: string, method: string, headers: Record<string, string>, body: string): Promise<ApiReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") h.set(k, v);
        checkResponse(url, method, res.statusCode ?? 0, h.get("content-type"), text)
          .then(() => resolve({ status: res.statusCode ?? 0, headers: h, body: text ? JSON.parse(text) : undefined, text }))
          .catch(reject);
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** An Exotel v2 API client for one account (HTTP Basic with its key and token). */
export class ExotelClient {
  constructor(
    readonly baseUrl: string,
    readonly accountSid: string,
    readonly authorization: string,
  ) {}

  /** `path` is relative to /v2/accounts/{account_sid} unless it starts with /v2. */
  url(path: string): string {
    return `${this.baseUrl}${path.startsWith("/v2") ? path : `/v2/accounts/${this.accountSid}${path}`}`;
  }

  /** A JSON request (Content-Type: application/json when there is a body). */
  request(method: string, path: string, json?: unknown, headers: Record<string, string> = {}): Promise<ApiReply> {
    const body = json === undefined ? undefined : JSON.stringify(json);
    const type: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
    return send(this.url(path), method, { headers: { authorization: this.authorization, ...type, ...headers }, body });
  }

  /** Full control over headers and body (the Authorization header is added unless given). */
  raw(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<ApiReply> {
    return send(this.url(path), method, { headers: { authorization: this.authorization, ...init.headers }, body: init.body });
  }

  /** Creates a trunk and returns its sid (fails the test on anything but 200). */
  async createTrunk(name: string): Promise<string> {
    const r = await this.request("POST", "/trunks", { trunk_name: name, nso_code: "ANY-ANY", domain_name: `${this.accountSid}.pstn.exotel.com` });
    if (r.status !== 200) throw new Error(`creating trunk ${name} failed: ${r.status} ${r.text}`);
    return r.body.response.data.trunk_sid as string;
  }
}
