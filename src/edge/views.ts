/** Row shapes of the edge projection (migrations 002_edge, 003_inbound_country), for typed reads by the reloader. */

type HtableRow = {
  key_name: string;
  key_type: number;
  value_type: number;
  key_value: string;
  expires: number;
};

// Type aliases, not interfaces: Kysely's withTables wants an index signature.
export type EdgeViews = {
  edge_countries: { country: string; calling_code: string; national_prefix: string; trunk_prefix: string; pattern: string };
  edge_trunk_keys: HtableRow & { trunk_id: number; account_sid: string };
  edge_numbers: HtableRow & { trunk_id: number };
  edge_routes: HtableRow & { account_sid: string };
};

/** The htables the edge loads from the views, and the scope column each is diffed by. */
export const HTABLES = {
  numbers: { view: "edge_numbers", scope: "trunk_id" },
  trunks: { view: "edge_trunk_keys", scope: "trunk_id" },
  routes: { view: "edge_routes", scope: "account_sid" },
} as const;

export type HtableName = keyof typeof HTABLES;
