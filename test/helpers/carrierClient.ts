import { send, type ApiReply } from "./client.js";

export const JSONAPI = "application/vnd.api+json";

/** The reference's create example, field for field. */
export const REFERENCE_CREATE_ATTRIBUTES = {
  name: "My Trunk",
  authentication_mode: "ip_address",
  region: "us-east-1",
  max_channels: 30,
  inbound_country: "US",
  inbound_source_ips: ["203.0.113.1"],
  default_sender: "1234567890",
  outbound_host: "pbx.example.com",
  outbound_dial_string_prefix: "+1",
  outbound_national_dialing: false,
  outbound_plus_prefix: true,
  outbound_route_prefixes: ["1855"],
};

/** A carrier API client for one account (Bearer with its API token). */
export class CarrierClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  url(path = ""): string {
    return `${this.baseUrl}/carrier/v1/sip_trunks${path}`;
  }

  /** A JSON:API request; `path` is relative to /carrier/v1/sip_trunks. */
  request(method: string, path = "", document?: unknown, headers: Record<string, string> = {}): Promise<ApiReply> {
    const body = document === undefined ? undefined : JSON.stringify(document);
    const type: Record<string, string> = body === undefined ? {} : { "content-type": JSONAPI };
    return send(this.url(path), method, { headers: { authorization: `Bearer ${this.token}`, ...type, ...headers }, body });
  }

  raw(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<ApiReply> {
    return send(this.url(path), method, { headers: { authorization: `Bearer ${this.token}`, ...init.headers }, body: init.body });
  }

  create(attributes: Record<string, unknown>): Promise<ApiReply> {
    return this.request("POST", "", { data: { type: "sip_trunk", attributes } });
  }

  update(id: string, attributes: Record<string, unknown>): Promise<ApiReply> {
    return this.request("PATCH", `/${id}`, { data: { type: "sip_trunk", id, attributes } });
  }

  /** Creates a trunk and returns its id (fails the test on anything but 201). */
  async createTrunk(name: string, attributes: Record<string, unknown> = {}): Promise<string> {
    const r = await this.create({ name, authentication_mode: "ip_address", region: "us-east-1", ...attributes });
    if (r.status !== 201) throw new Error(`creating trunk ${name} failed: ${r.status} ${r.text}`);
    return r.body.data.id as string;
  }
}
