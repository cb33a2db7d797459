import type { ApiReply, ExotelClient, Json } from "../helpers/client.js";

/** Exotel-API provisioning for the edge suites: each call fails the test on anything but 200. */
export class Provision {
  constructor(readonly api: ExotelClient) {}

  private async ok(r: Promise<ApiReply>, what: string): Promise<Json> {
    const reply = await r;
    if (reply.status !== 200) throw new Error(`${what}: ${reply.status} ${reply.text}`);
    return reply.body.response.data ?? reply.body.response;
  }

  trunk(name: string): Promise<string> {
    return this.api.createTrunk(name);
  }

  deleteTrunk(sid: string): Promise<Json> {
    return this.ok(this.api.request("DELETE", `/trunks?trunk_sid=${sid}`), "delete trunk");
  }

  allow(sid: string, ip: string, mask: number): Promise<{ id: string }> {
    return this.ok(this.api.request("POST", `/trunks/${sid}/whitelisted-ips`, { ip, mask }), "whitelist ip");
  }

  disallow(sid: string, id: string): Promise<Json> {
    return this.ok(this.api.request("DELETE", `/trunks/${sid}/whitelisted-ips?id=${id}`), "delete whitelisted ip");
  }

  map(sid: string, number: string, mode?: "pstn" | "flow"): Promise<{ id: string }> {
    return this.ok(this.api.request("POST", `/trunks/${sid}/phone-numbers`, { phone_number: number, ...(mode ? { mode } : {}) }), "map number");
  }

  unmap(sid: string, id: string): Promise<Json> {
    return this.ok(this.api.request("DELETE", `/trunks/${sid}/phone-numbers?id=${id}`), "unmap number");
  }

  /** `destination` as the dialect takes it: "host:port;transport=tcp". */
  async destinations(sid: string, items: Array<{ destination: string; priority?: number; weight?: number }>): Promise<Json[]> {
    const data = (await this.ok(this.api.request("POST", `/trunks/${sid}/destination-uris`, { destinations: items }), "add destinations")) as Json[];
    return data.map((d: Json) => d.data ?? d);
  }

  credentials(sid: string): Promise<{ username: string; password: string }> {
    return this.ok(this.api.request("GET", `/trunks/${sid}/credentials`), "get credentials");
  }

  addCredential(sid: string, user: string, password: string): Promise<{ id: string }> {
    return this.ok(this.api.request("POST", `/trunks/${sid}/credentials`, { user_name: user, password }), "add credential");
  }

  rotateCredential(sid: string, id: string, password: string): Promise<Json> {
    return this.ok(this.api.request("PUT", `/trunks/${sid}/credentials/${id}`, { password }), "rotate credential");
  }

  deleteCredential(sid: string, id: string): Promise<Json> {
    return this.ok(this.api.request("DELETE", `/trunks/${sid}/credentials?id=${id}`), "delete credential");
  }

  setting(sid: string, name: string, value: string): Promise<Json> {
    return this.ok(this.api.request("POST", `/trunks/${sid}/settings`, { settings: [{ name, value }] }), "set setting");
  }
}
