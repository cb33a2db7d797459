import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../../../http/deps.js";
import { sendData } from "../envelope.js";
import { parseId } from "../parse.js";
import { renderWhitelistedIp } from "../render.js";
import { conflict, exotelData, ExotelWhitelistedIp, notFound } from "../responses.js";
import { NullableString, TrunkItemParams, TrunkParams } from "../schemas.js";
import { childUrls, registerCollection, typed } from "./children.js";

const EntryFields = {
  ip: Type.String({ description: "Public IPv4 address, e.g. 203.0.113.50" }),
  mask: Type.Integer({ description: "1 to 32 (32 = a single address)" }),
};
const AddIpBody = Type.Object({ ...EntryFields, friendly_name: Type.Optional(NullableString) }, { examples: [{ ip: "203.0.113.50", mask: 32 }] });
const IpRef = Type.Ref(ExotelWhitelistedIp);
const UpdateIpBody = Type.Object(EntryFields);

/** The trunk's IP access list (ip + mask, checked by the domain). */
export function registerWhitelistedIpRoutes(app: FastifyInstance, { services }: AppDeps): void {
  const api = typed(app);
  const tags = ["Exotel v2: whitelisted IPs"];
  for (const { url, hide } of childUrls("whitelisted-ips")) {
    api.post(url, { schema: { tags, hide, ...(hide ? {} : { operationId: "addWhitelistedIp" }), summary: "Whitelist an IP address", params: TrunkParams, body: AddIpBody, response: { 200: exotelData(IpRef, "The entry"), ...notFound("no such trunk"), ...conflict("the trunk lists that address already") } } }, async (req, reply) => {
      const { ip, mask, friendly_name } = req.body;
      const entry = await services.whitelistedIps.add(req.params.account_sid, req.params.trunk_sid, ip, mask, friendly_name ?? null);
      return sendData(req, reply, renderWhitelistedIp(entry));
    });
  }
  for (const { url, hide } of childUrls("whitelisted-ips", "/:id")) {
    api.put(url, { schema: { tags, hide, ...(hide ? {} : { operationId: "updateWhitelistedIp" }), summary: "Change a whitelisted IP", params: TrunkItemParams, body: UpdateIpBody, response: { 200: exotelData(IpRef, "The entry as updated"), ...notFound("no such trunk or entry"), ...conflict("the trunk lists that address already") } } }, async (req, reply) => {
      const { account_sid, trunk_sid, id } = req.params;
      const entry = await services.whitelistedIps.update(account_sid, trunk_sid, parseId(id), req.body.ip, req.body.mask);
      return sendData(req, reply, renderWhitelistedIp(entry));
    });
  }
  registerCollection(app, {
    segment: "whitelisted-ips",
    tag: tags[0]!,
    noun: "whitelisted IP",
    schema: IpRef,
    operation: "WhitelistedIp",
    render: renderWhitelistedIp,
    list: (account, trunk, p) => services.whitelistedIps.list(account, trunk, p.offset, p.pageSize),
    remove: (account, trunk, id) => services.whitelistedIps.remove(account, trunk, id),
  });
}
