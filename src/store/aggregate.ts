import { PostgresAdapter, sql, type RawBuilder } from "kysely";
import type { Executor } from "./executor.js";

/** Which SQL dialect a Kysely instance (or transaction) speaks: the JSON functions differ. */
export function isPostgres(db: Executor): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * A JSON array with one array of `fields` per row of `alias`, in no particular order (the
 * mappers sort: an ORDER BY inside the aggregate sorted every set, empty ones too): the aggregate
 * half of a correlated subquery that brings a trunk's children back with the trunk in one query.
 * Field names come from mappers.ts (CHILD_FIELDS), never from input.
 */
export function jsonRows(db: Executor, alias: string, fields: readonly string[]): RawBuilder<unknown> {
  const values = fields.map((f) => `${alias}.${f}`).join(", ");
  return isPostgres(db) ? sql.raw(`json_agg(json_build_array(${values}))`) : sql.raw(`json_group_array(json_array(${values}))`);
}

/**
 * One JSON array of `values` (SQL expressions, from code, never input): a whole row as one value.
 * `nested` are subqueries that return JSON (jsonRows) and are embedded as arrays, not
 * as strings: SQLite loses a value's JSON subtype at a subquery's edge, so `json()` marks it again.
 */
export function jsonRow(db: Executor, values: readonly string[], nested: readonly RawBuilder<unknown>[]): RawBuilder<unknown> {
  const pg = isPostgres(db);
  const inner = nested.map((n) => (pg ? sql`${n}` : sql`json(${n})`));
  return sql`${sql.raw(pg ? "json_build_array(" : "json_array(")}${sql.join([...values.map((v) => sql.raw(v)), ...inner])})`;
}
