import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../../../http/deps.js";
import { sendData, sendEmpty } from "../envelope.js";
import { parseId, requireAnyOf } from "../parse.js";
import { renderCredential, renderCredentialPair } from "../render.js";
import { NullableString, TrunkItemParams, TrunkParams } from "../schemas.js";
import { registerCollection, typed } from "./children.js";

const CreateCredentialBody = Type.Object({
  user_name: Type.String({ description: "3 to 64 letters, digits, '.', '_' or '-'; unique" }),
  password: Type.String({ description: "12 to 64 printable characters, at least one letter and one digit" }),
  friendly_name: Type.Optional(NullableString),
});
const UpdateCredentialBody = Type.Object({
  password: Type.Optional(Type.String()),
  friendly_name: Type.Optional(NullableString),
});

const BASE = "/accounts/:account_sid/trunks/:trunk_sid/credentials";

/**
 * A trunk's SIP digest credentials. GET answers in the reference's shape `{username, password}`
 * while the trunk has one; a list once it has several; `response: []` when it has none.
 */
export function registerCredentialRoutes(app: FastifyInstance, { services }: AppDeps): void {
  const api = typed(app);
  const tags = ["Exotel v2: credentials"];

  api.get(BASE, { schema: { tags, summary: "Get the trunk's credentials", params: TrunkParams } }, async (req, reply) => {
    const all = await services.credentials.list(req.params.account_sid, req.params.trunk_sid);
    if (all.length === 0) return sendEmpty(req, reply);
    return sendData(req, reply, all.length === 1 ? renderCredentialPair(all[0]!) : all.map(renderCredential));
  });

  api.post(BASE, { schema: { tags, summary: "Add a credential", params: TrunkParams, body: CreateCredentialBody } }, async (req, reply) => {
    const { user_name, password, friendly_name } = req.body;
    const created = await services.credentials.create(req.params.account_sid, req.params.trunk_sid, { username: user_name, password, friendlyName: friendly_name });
    return sendData(req, reply, renderCredential(created));
  });

  api.put(`${BASE}/:id`, { schema: { tags, summary: "Rotate a credential's password or rename it", params: TrunkItemParams, body: UpdateCredentialBody } }, async (req, reply) => {
    const { account_sid, trunk_sid, id } = req.params;
    const numericId = parseId(id);
    requireAnyOf(req.body, ["password", "friendly_name"]);
    const updated = await services.credentials.update(account_sid, trunk_sid, numericId, { password: req.body.password, friendlyName: req.body.friendly_name });
    return sendData(req, reply, renderCredential(updated));
  });

  registerCollection(app, {
    segment: "credentials",
    tag: tags[0]!,
    noun: "credential",
    render: renderCredential,
    remove: (account, trunk, id) => services.credentials.remove(account, trunk, id),
  });
}
