import type { Kysely } from "kysely";
import { applyProjection } from "../../edge/projection.js";
import type { Engine } from "../engine.js";
import * as m001 from "./001_initial.js";
import * as m002 from "./002_edge.js";
import * as m003 from "./003_inbound_country.js";
import * as m004 from "./004_edges.js";
import * as m005 from "./005_calls.js";
import * as m006 from "./006_call_indexes.js";
import * as m007 from "./007_media_relays.js";
import * as m008 from "./008_call_media.js";
import * as m009 from "./009_operators.js";
import * as m010 from "./010_trunk_name_search.js";

export interface EngineMigration {
  up(db: Kysely<unknown>, engine: Engine): Promise<void>;
}

/** Ordered by name; append new migrations here and never edit an applied one. */
export const migrations: Record<string, EngineMigration> = {
  "001_initial": m001,
  "002_edge": m002,
  "003_inbound_country": m003,
  "004_edges": m004,
  "005_calls": m005,
  "006_call_indexes": m006,
  "007_media_relays": m007,
  "008_call_media": m008,
  "009_operators": m009,
  "010_trunk_name_search": m010,
};

/**
 * Run after the migrations on every start, each in its own transaction: derived objects that are
 * recreated from their definition rather than migrated (the edge projection's views).
 */
export const repeatable: Record<string, EngineMigration> = {
  edge_projection: { up: applyProjection },
};
