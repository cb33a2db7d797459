import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../../../http/deps.js";
import { sendData, sendEmpty } from "../envelope.js";
import { parseId, requireAnyOf } from "../parse.js";
import { renderCredential, renderCredentialPair } from "../render.js";
import { conflict, exotelData, ExotelCredential, ExotelCredentialPair, notFound } from "../responses.js";
import { NullableString, TrunkItemParams, TrunkParams } from "../schemas.js";
import { registerCollection, typed } from "./children.js";

const CreateCredentialBody = Type.Object({
  user_name: Type.String({ description: "3 to 64 letters, digits, '.', '_' or '-'; unique" }),
  password: Type.String({ description: "12 to 64 printable characters, at least one letter and one digit" }),
  friendly_name: Type.Optional(NullableString),
}, { examples: [{ user_name: "pbx_office_1", password: "Xk9mP2nQ4rS6tU8v", friendly_name: "Office PBX" }] });
const CredentialRef = Type.Ref(ExotelCredential);
/** GET: `{username, password, id}` with one credential, a list with several, `response: []` with none. */
const CredentialsGet = Type.Union([
  exotelData(Type.Union([Type.Ref(ExotelCredentialPair), Type.Array(CredentialRef)]), "The one credential as {username, password}, or the list when there are several"),
  Type.Object({ request_id: Type.String(), method: Type.String(), http_code: Type.Integer(), response: Type.Array(Type.Never(), { maxItems: 0 }) }, { description: "No credential" }),
], { description: "The trunk's credentials" });
const UpdateCredentialBody = Type.Object({
  password: Type.Optional(Type.String()),
  friendly_name: Type.Optional(NullableString),
});

const BASE = "/accounts/:account_sid/trunks/:trunk_sid/credentials";

/**
 * A trunk's SIP digest credentials. GET answers in the reference's shape `{username, password}`
 * (plus `id`, an extension) while the trunk has one; a list once it has several; `response: []` when it has none.
 */
export function registerCredentialRoutes(app: FastifyInstance, { services }: AppDeps): void {
  const api = typed(app);
  const tags = ["Exotel v2: credentials"];

  api.get(BASE, { schema: { tags, operationId: "getCredentials", summary: "Get the trunk's credentials", params: TrunkParams, response: { 200: CredentialsGet, ...notFound("no such trunk") } } }, async (req, reply) => {
    const all = await services.credentials.list(req.params.account_sid, req.params.trunk_sid);
    if (all.length === 0) return sendEmpty(req, reply);
    return sendData(req, reply, all.length === 1 ? renderCredentialPair(all[0]!) : all.map(renderCredential));
  });

  api.post(BASE, { schema: { tags, operationId: "addCredential", summary: "Add a credential", params: TrunkParams, body: CreateCredentialBody, response: { 200: exotelData(CredentialRef, "The credential"), ...notFound("no such trunk"), ...conflict("the user name is taken") } } }, async (req, reply) => {
    const { user_name, password, friendly_name } = req.body;
    const created = await services.credentials.create(req.params.account_sid, req.params.trunk_sid, { username: user_name, password, friendlyName: friendly_name });
    return sendData(req, reply, renderCredential(created));
  });

  api.put(`${BASE}/:id`, { schema: { tags, operationId: "updateCredential", summary: "Rotate a credential's password or rename it", params: TrunkItemParams, body: UpdateCredentialBody, response: { 200: exotelData(CredentialRef, "The credential as updated"), ...notFound("no such trunk or credential") } } }, async (req, reply) => {
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
    schema: CredentialRef,
    operation: "Credential",
    render: renderCredential,
    remove: (account, trunk, id) => services.credentials.remove(account, trunk, id),
  });
}
