import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { NumberMode } from "../../../domain/types.js";
import type { AppDeps } from "../../../http/deps.js";
import { sendData } from "../envelope.js";
import { parseId } from "../parse.js";
import { renderPhoneNumber } from "../render.js";
import { conflict, exotelData, ExotelPhoneNumber, notFound } from "../responses.js";
import { TrunkItemParams, TrunkParams } from "../schemas.js";
import { childUrls, registerCollection, typed } from "./children.js";

const MapNumberBody = Type.Object(
  {
    phone_number: Type.String({ description: "E.164 with the + prefix, e.g. +919876543210" }),
    mode: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "pstn (default) or flow" })),
  },
  { examples: [{ phone_number: "+919876543210", mode: "pstn" }] },
);
const NumberRef = Type.Ref(ExotelPhoneNumber);
const UpdateNumberBody = Type.Object({
  phone_number: Type.String({ description: "The mapped number (must match)" }),
  mode: Type.String({ description: "pstn or flow" }),
}, { examples: [{ phone_number: "+919876543210", mode: "flow" }] });

/**
 * A mapping id as a PUT names it: digits, or the reference's sample form `pn_<number's
 * digits>_<nnn>` (`pn_9876543210_001`), which names the mapping of the body's phone_number on the
 * trunk when that number ends with those digits — so the reference's example runs as written.
 */
function parseMappingId(raw: string, phoneNumber: string): number | { ref: string } {
  const sample = /^pn_(\d{4,15})_\d{1,6}$/.exec(raw);
  if (sample && phoneNumber.endsWith(sample[1] as string)) return { ref: raw };
  return parseId(raw);
}

/** Phone-number mappings of a trunk. `mode` is the domain's to check (pstn, flow, or none). */
export function registerPhoneNumberRoutes(app: FastifyInstance, { services }: AppDeps): void {
  const api = typed(app);
  const tags = ["Exotel v2: phone numbers"];
  for (const { url, hide } of childUrls("phone-numbers")) {
    api.post(url, {
        schema: {
          tags,
          hide,
          ...(hide ? {} : { operationId: "mapPhoneNumber" }),
          summary: "Map a phone number",
          params: TrunkParams,
          body: MapNumberBody,
          response: { 200: exotelData(NumberRef, "The mapping"), ...notFound("no such trunk"), ...conflict("the number is mapped already") },
        },
      }, async (req, reply) => {
      const { phone_number, mode } = req.body;
      const mapped = await services.phoneNumbers.map(req.params.account_sid, req.params.trunk_sid, phone_number, (mode ?? null) as NumberMode | null);
      return sendData(req, reply, renderPhoneNumber(mapped));
    });
  }
  for (const { url, hide } of childUrls("phone-numbers", "/:id")) {
    api.put(url, {
        schema: {
          tags,
          hide,
          ...(hide ? {} : { operationId: "updatePhoneNumber" }),
          summary: "Switch a number's mode",
          params: TrunkItemParams,
          body: UpdateNumberBody,
          response: { 200: exotelData(NumberRef, "The mapping as updated"), ...notFound("no such trunk or mapping") },
        },
      }, async (req, reply) => {
      const { account_sid, trunk_sid, id } = req.params;
      const { phone_number, mode } = req.body;
      const updated = await services.phoneNumbers.updateMode(account_sid, trunk_sid, parseMappingId(id, phone_number), phone_number, mode as NumberMode);
      return sendData(req, reply, renderPhoneNumber(updated));
    });
  }
  registerCollection(app, {
    segment: "phone-numbers",
    tag: tags[0]!,
    noun: "phone number",
    schema: NumberRef,
    operation: "PhoneNumber",
    render: renderPhoneNumber,
    list: (account, trunk, p) => services.phoneNumbers.list(account, trunk, p.offset, p.pageSize),
    remove: (account, trunk, id) => services.phoneNumbers.remove(account, trunk, id),
  });
}
