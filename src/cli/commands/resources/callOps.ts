import { CallNotFound } from "../../../dialects/exotel/v1/errors.js";
import { parseCallListQuery } from "../../../dialects/exotel/v1/filters.js";
import { renderCall } from "../../../dialects/exotel/v1/render.js";
import type { Op } from "./op.js";

/** Exotel v1 Call Details filters the CLI passes on (the wire's own names and forms). */
export interface CallFilters {
  TrunkSid?: string;
  Status?: string;
  Direction?: string;
  DateCreated?: string;
  PageSize?: string;
  details?: string;
}

/** Call records through Exotel v1 Call Details: the first page (newest first), or one call. */
export const callOps = {
  list: (filters: CallFilters): Op => ({
    http: { method: "GET", path: "/Calls.json", query: { ...filters }, v1: true },
    store: async (s, a) => {
      const parsed = parseCallListQuery({ ...filters });
      const page = await s.calls.list(a, { filter: parsed.filter, order: parsed.order, limit: parsed.pageSize, withHops: parsed.details });
      return { Calls: page.items.map((c) => renderCall(c, parsed.details)) };
    },
  }),
  get: (sid: string, details: boolean): Op => ({
    http: { method: "GET", path: `/Calls/${encodeURIComponent(sid)}.json`, query: details ? { details: "true" } : {}, v1: true },
    store: async (s, a) => {
      const call = /^[A-Za-z0-9]{1,64}$/.test(sid) ? await s.calls.get(a, sid, details) : undefined;
      if (!call) throw new CallNotFound(sid);
      return { Call: renderCall(call, details) };
    },
  }),
};
