import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../../../http/deps.js";
import { LIMITS } from "../../../services/context.js";
import { sendBatch, sendData } from "../envelope.js";
import { batchItems } from "../errors.js";
import { pageOf } from "../paging.js";
import { renderSetting } from "../render.js";
import { exotelBatchResponses, exotelData, ExotelSetting, notFound } from "../responses.js";
import { TrunkParams } from "../schemas.js";
import { registerCollection, typed } from "./children.js";

const SetSettingsBody = Type.Object({
  settings: Type.Array(Type.Object({ name: Type.String({ description: "trunk_external_alias" }), value: Type.String({ description: "E.164 number" }) }), {
    minItems: 1,
    maxItems: LIMITS.batchItems,
  }),
}, { examples: [{ settings: [{ name: "trunk_external_alias", value: "+919876543210" }] }] });
const SettingRef = Type.Ref(ExotelSetting);
const NameQuery = Type.Object({ name: Type.String({ description: "The setting, e.g. trunk_external_alias" }) });

const BASE = "/accounts/:account_sid/trunks/:trunk_sid/settings";

/** Trunk settings (the caller id alias). Names and values are the domain's to check. */
export function registerSettingRoutes(app: FastifyInstance, { services }: AppDeps): void {
  const api = typed(app);
  const tags = ["Exotel v2: settings"];

  api.post(BASE, { schema: { tags, operationId: "setSettings", summary: "Set trunk settings", params: TrunkParams, body: SetSettingsBody, response: { ...exotelBatchResponses(SettingRef, "setting"), ...notFound("no such trunk") } } }, async (req, reply) => {
    const results = await services.settings.setMany(req.params.account_sid, req.params.trunk_sid, req.body.settings);
    return sendBatch(req, reply, batchItems(results, renderSetting));
  });

  api.delete(BASE, { schema: { tags, operationId: "deleteSetting", summary: "Delete a setting", params: TrunkParams, querystring: NameQuery, response: { 200: exotelData(SettingRef, "The setting as it was"), ...notFound("no such trunk or setting") } } }, async (req, reply) => {
    const removed = await services.settings.remove(req.params.account_sid, req.params.trunk_sid, req.query.name);
    return sendData(req, reply, renderSetting(removed));
  });

  registerCollection(app, {
    segment: "settings",
    tag: tags[0]!,
    noun: "setting",
    schema: SettingRef,
    operation: "Setting",
    render: renderSetting,
    list: async (account, trunk, paging) => pageOf(await services.settings.list(account, trunk), paging),
  });
}
