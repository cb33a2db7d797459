import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { TSchema } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Page } from "../../../domain/types.js";
import { sendData, sendList } from "../envelope.js";
import { listMetadata } from "../paging.js";
import { parseId, parsePaging, type Paging } from "../parse.js";
import { trunkPath } from "../render.js";
import { exotelData, exotelList, notFound } from "../responses.js";
import { IdQuery, PagingQuery, TrunkParams } from "../schemas.js";

export function typed(app: FastifyInstance) {
  return app.withTypeProvider<TypeBoxTypeProvider>();
}

/**
 * The URLs of a trunk's sub-resource: the canonical hyphenated one, then the underscore spelling
 * older docs use (`phone_numbers`), registered with the same handler and hidden from OpenAPI.
 */
export function childUrls(segment: string, suffix = ""): { url: string; hide: boolean }[] {
  const canonical = { url: `/accounts/:account_sid/trunks/:trunk_sid/${segment}${suffix}`, hide: false };
  const alias = segment.replace(/-/g, "_");
  return alias === segment ? [canonical] : [canonical, { url: `/accounts/:account_sid/trunks/:trunk_sid/${alias}${suffix}`, hide: true }];
}

export interface ChildCollection<T> {
  /** Hyphenated path segment, e.g. "phone-numbers". */
  segment: string;
  /** OpenAPI tag and the noun used in summaries. */
  tag: string;
  noun: string;
  /** OpenAPI: the item's response schema (as writes and DELETE return it), and as GET lists it when that differs. */
  schema: TSchema;
  listedSchema?: TSchema;
  /** OpenAPI operationId stem, e.g. "PhoneNumber" → listPhoneNumbers, deletePhoneNumber. */
  operation: string;
  render(item: T): unknown;
  /** How `GET` lists an item, when it shows more than writes do (read-only extension fields); default `render`. */
  renderListed?(item: T): unknown;
  /** `GET .../{segment}`: a page of the trunk's items, with list metadata. */
  list?(accountSid: string, trunkSid: string, paging: Paging): Promise<Page<T>>;
  /** `DELETE .../{segment}?id=`: answers with the item as it was. */
  remove?(accountSid: string, trunkSid: string, id: number): Promise<T>;
}

/** The list and delete routes every trunk sub-resource has in the same shape. */
export function registerCollection<T>(app: FastifyInstance, c: ChildCollection<T>): void {
  const api = typed(app);
  const { list, remove } = c;
  for (const { url, hide } of childUrls(c.segment)) {
    const schema = { tags: [c.tag], hide, params: TrunkParams };
    // Hidden alias routes keep operationIds out of the document (they must be unique).
    const id = (verb: string, plural = "") => (hide ? {} : { operationId: `${verb}${c.operation}${plural}` });
    if (list) {
      const response = { 200: exotelList(c.listedSchema ?? c.schema, `A page of the trunk's ${c.noun}s`), ...notFound("no such trunk") };
      api.get(url, { schema: { ...schema, ...id("list", "s"), summary: `List ${c.noun}s`, querystring: PagingQuery, response } }, async (req, reply) => {
        const { account_sid, trunk_sid } = req.params;
        const paging = parsePaging(req.query);
        const page = await list(account_sid, trunk_sid, paging);
        const path = `${trunkPath(account_sid, trunk_sid)}/${c.segment}`;
        return sendList(req, reply, page.items.map((item) => (c.renderListed ?? c.render)(item)), listMetadata(path, paging.offset, paging.pageSize, page.hasMore));
      });
    }
    if (remove) {
      const response = { 200: exotelData(c.schema, `The ${c.noun} as it was`), ...notFound(`no such trunk or ${c.noun}`) };
      api.delete(url, { schema: { ...schema, ...id("delete"), summary: `Delete a ${c.noun}`, querystring: IdQuery, response } }, async (req, reply) => {
        const removed = await remove(req.params.account_sid, req.params.trunk_sid, parseId(req.query.id));
        return sendData(req, reply, c.render(removed));
      });
    }
  }
}
