import { PostgresAdapter, sql, type RawBuilder } from "kysely";
import type { Executor } from "./executor.js";

/** Which SQL dialect a Kysely instance (or transaction) speaks: the JSON functions differ. */
export function isPostgres(db: Executor): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * A JSON array with one array of `fields` per row of `alias`, in `order`: the aggregate half of
 * a correlated subquery that brings a trunk's children back with the trunk in one query.
 * Field names come from mappers.ts (CHILD_FIELDS), never from input.
 */
export function jsonRows(db: Executor, alias: string, fields: readonly string[], order: string): RawBuilder<unknown> {
  const values = fields.map((f) => `${alias}.${f}`).join(", ");
  return isPostgres(db) ? sql.raw(`json_agg(json_build_array(${values}) order by ${order})`) : sql.raw(`json_group_array(json_array(${values}) order by ${order})`);
}

/** A JSON array of one column's values, in `order`. */
export function jsonValues(db: Executor, column: string, order: string): RawBuilder<unknown> {
  return isPostgres(db) ? sql.raw(`json_agg(${column} order by ${order})`) : sql.raw(`json_group_array(${column} order by ${order})`);
}
