import type { Destination, NumberMode, Page } from "../../../domain/types.js";
import type { Services } from "../../../services/index.js";
import { parseDestination } from "../../../dialects/exotel/destination.js";
import { requireAnyOf } from "../../../dialects/exotel/parse.js";
import { renderCredential, renderCredentialPair, renderDestination, renderPhoneNumber, renderSetting, renderTrunk, renderWhitelistedIp } from "../../../dialects/exotel/render.js";
import { checkAuthType, checkDomainName, checkNsoCode, checkTrunkName } from "../../../dialects/exotel/trunkRules.js";
import { UNKNOWN_HEALTH } from "../../../edge/health.js";
import type { ItemResult } from "../../../services/batch.js";
import type { Op } from "./op.js";

/**
 * Every resource operation as its Exotel v2 request and the route handler's own steps (the same
 * checks, service call and rendering as src/dialects/exotel/routes/*), so store mode answers what
 * the server would.
 */

export interface Paging {
  offset: number;
  pageSize: number;
}
const pageQuery = (p: Paging) => ({ offset: String(p.offset), page_size: String(p.pageSize) });
const child = (trunk: string, segment: string) => `/trunks/${encodeURIComponent(trunk)}/${segment}`;

/**
 * The list and delete of a trunk's sub-resource, the same shape for each (as the server's
 * registerCollection): `GET .../{segment}` a page, `DELETE .../{segment}?id=` the item as it was.
 */
function collection<T>(
  segment: string,
  render: (item: T) => unknown,
  list: (s: Services, account: string, trunk: string, p: Paging) => Promise<Page<T>>,
  remove: (s: Services, account: string, trunk: string, id: number) => Promise<T>,
  renderListed: (item: T) => unknown = render,
) {
  return {
    list: (trunk: string, p: Paging): Op => ({
      http: { method: "GET", path: child(trunk, segment), query: pageQuery(p) },
      store: async (s, a) => (await list(s, a, trunk, p)).items.map(renderListed),
    }),
    delete: (trunk: string, id: number): Op => ({
      http: { method: "DELETE", path: child(trunk, segment), query: { id: String(id) } },
      store: async (s, a) => render(await remove(s, a, trunk, id)),
    }),
  };
}

/** A batch write of one item: its value, or its error as the request's. */
function only<T>(results: ItemResult<T>[]): T {
  const first = results[0] as ItemResult<T>;
  if (!first.ok) throw first.error;
  return first.value;
}

export const trunkOps = {
  list: (p: Paging): Op => ({
    http: { method: "GET", path: "/trunks", query: pageQuery(p) },
    store: async (s, a) => (await s.trunks.listByOffset(a, p.offset, p.pageSize)).items.map((t) => renderTrunk(t)),
  }),
  get: (sid: string): Op => ({
    http: { method: "GET", path: `/trunks/${encodeURIComponent(sid)}` },
    store: async (s, a) => renderTrunk(await s.trunks.get(a, { sid })),
  }),
  create: (body: { trunk_name: string; nso_code: string; domain_name: string }, sipDomainSuffix: string): Op => ({
    http: { method: "POST", path: "/trunks", body },
    store: async (s, a) => {
      checkTrunkName(body.trunk_name);
      checkNsoCode(body.nso_code);
      checkDomainName(body.domain_name, sipDomainSuffix);
      return renderTrunk(await s.trunks.create(a, { name: body.trunk_name, nsoCode: body.nso_code, domainName: body.domain_name, withTrunkCredential: true }));
    },
  }),
  update: (sid: string, body: { trunk_name?: string; nso_code?: string; auth_type?: string }): Op => ({
    http: { method: "PUT", path: `/trunks/${encodeURIComponent(sid)}`, body },
    store: async (s, a) => {
      requireAnyOf(body, ["trunk_name", "nso_code", "auth_type"]);
      if (body.trunk_name !== undefined) checkTrunkName(body.trunk_name);
      if (body.nso_code !== undefined) checkNsoCode(body.nso_code);
      if (body.auth_type !== undefined) checkAuthType(body.auth_type);
      return renderTrunk(await s.trunks.update(a, { sid }, { name: body.trunk_name, nsoCode: body.nso_code, authType: body.auth_type }));
    },
  }),
  delete: (sid: string): Op => ({
    http: { method: "DELETE", path: "/trunks", query: { trunk_sid: sid } },
    store: async (s, a) => {
      await s.trunks.delete(a, { sid });
      return null;
    },
  }),
};

export const numberOps = {
  ...collection("phone-numbers", renderPhoneNumber, (s, a, t, p) => s.phoneNumbers.list(a, t, p.offset, p.pageSize), (s, a, t, id) => s.phoneNumbers.remove(a, t, id)),
  create: (trunk: string, body: { phone_number: string; mode?: string }): Op => ({
    http: { method: "POST", path: child(trunk, "phone-numbers"), body },
    store: async (s, a) => renderPhoneNumber(await s.phoneNumbers.map(a, trunk, body.phone_number, (body.mode ?? null) as NumberMode | null)),
  }),
  update: (trunk: string, id: number, body: { phone_number: string; mode: string }): Op => ({
    http: { method: "PUT", path: `${child(trunk, "phone-numbers")}/${id}`, body },
    store: async (s, a) => renderPhoneNumber(await s.phoneNumbers.updateMode(a, trunk, id, body.phone_number, body.mode as NumberMode)),
  }),
};

export const ipOps = {
  ...collection("whitelisted-ips", renderWhitelistedIp, (s, a, t, p) => s.whitelistedIps.list(a, t, p.offset, p.pageSize), (s, a, t, id) => s.whitelistedIps.remove(a, t, id)),
  create: (trunk: string, body: { ip: string; mask: number; friendly_name?: string }): Op => ({
    http: { method: "POST", path: child(trunk, "whitelisted-ips"), body },
    store: async (s, a) => renderWhitelistedIp(await s.whitelistedIps.add(a, trunk, body.ip, body.mask, body.friendly_name ?? null)),
  }),
  update: (trunk: string, id: number, body: { ip: string; mask: number }): Op => ({
    http: { method: "PUT", path: `${child(trunk, "whitelisted-ips")}/${id}`, body },
    store: async (s, a) => renderWhitelistedIp(await s.whitelistedIps.update(a, trunk, id, body.ip, body.mask)),
  }),
};

export const destinationOps = {
  // Store mode lists `health` as unknown: the edges' probe state lives in a server's memory.
  ...collection("destination-uris", (d: Destination) => renderDestination(d), (s, a, t, p) => s.destinations.list(a, t, p.offset, p.pageSize), (s, a, t, id) => s.destinations.remove(a, t, id), (d) => renderDestination(d, UNKNOWN_HEALTH)),
  create: (trunk: string, item: { destination: string; priority?: number; weight?: number }): Op => ({
    http: { method: "POST", path: child(trunk, "destination-uris"), body: { destinations: [item] } },
    store: async (s, a) => {
      const parsed = parseDestination(item.destination);
      const input = parsed instanceof Error ? parsed : { ...parsed, priority: item.priority, weight: item.weight };
      return renderDestination(only(await s.destinations.addMany(a, trunk, [input])));
    },
  }),
  update: (trunk: string, id: number, body: { priority?: number; weight?: number }): Op => ({
    http: { method: "PUT", path: `${child(trunk, "destination-uris")}/${id}`, body },
    store: async (s, a) => {
      requireAnyOf(body, ["priority", "weight"]);
      return renderDestination(await s.destinations.update(a, trunk, id, body));
    },
  }),
};

export const credentialOps = {
  /** The wire's GET: the reference's `{username, password}` with one credential, a list with several. */
  list: (trunk: string): Op => ({
    http: { method: "GET", path: child(trunk, "credentials") },
    store: async (s, a) => {
      const all = await s.credentials.list(a, trunk);
      return all.length === 1 ? renderCredentialPair(all[0]!) : all.map(renderCredential);
    },
  }),
  create: (trunk: string, body: { user_name: string; password: string; friendly_name?: string }): Op => ({
    http: { method: "POST", path: child(trunk, "credentials"), body },
    store: async (s, a) => renderCredential(await s.credentials.create(a, trunk, { username: body.user_name, password: body.password, friendlyName: body.friendly_name })),
  }),
  update: (trunk: string, id: number, body: { password?: string; friendly_name?: string }): Op => ({
    http: { method: "PUT", path: `${child(trunk, "credentials")}/${id}`, body },
    store: async (s, a) => {
      requireAnyOf(body, ["password", "friendly_name"]);
      return renderCredential(await s.credentials.update(a, trunk, id, { password: body.password, friendlyName: body.friendly_name }));
    },
  }),
  delete: (trunk: string, id: number): Op => ({
    http: { method: "DELETE", path: child(trunk, "credentials"), query: { id: String(id) } },
    store: async (s, a) => renderCredential(await s.credentials.remove(a, trunk, id)),
  }),
};

export const settingOps = {
  list: (trunk: string): Op => ({
    http: { method: "GET", path: child(trunk, "settings"), query: { page_size: "1000" } },
    store: async (s, a) => (await s.settings.list(a, trunk)).map(renderSetting),
  }),
  set: (trunk: string, item: { name: string; value: string }): Op => ({
    http: { method: "POST", path: child(trunk, "settings"), body: { settings: [item] } },
    store: async (s, a) => renderSetting(only(await s.settings.setMany(a, trunk, [item]))),
  }),
  delete: (trunk: string, name: string): Op => ({
    http: { method: "DELETE", path: child(trunk, "settings"), query: { name } },
    store: async (s, a) => renderSetting(await s.settings.remove(a, trunk, name)),
  }),
};

