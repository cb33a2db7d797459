import { InsertQueryNode, sql, TableNode, type Compilable, type CompiledQuery, type Insertable, type RawBuilder } from "kysely";
import { isPostgres, jsonRow, jsonRows } from "../aggregate.js";
import type { Executor } from "../executor.js";
import { CHILD_FIELDS, TRUNK_FIELDS, type TrunkDetailRow } from "../mappers.js";
import { prepared } from "../prepared.js";
import type { CredentialsTable, DestinationsTable, NewTrunkRow, RoutePrefixesTable, TrunkSettingsTable, WhitelistedIpsTable } from "../schema.js";
import { CALLER_ID_SETTING, TRUNK_COLUMNS, trunkInsertValues, trunksRepo } from "./trunks.js";

/** A child row of the new trunk: every column but its id and trunk_id (the trunk's id is not known yet). */
type Child<T> = Omit<Insertable<T>, "id" | "trunk_id">;

/** A new trunk and everything written with it, each collection as it is to be stored (ids in array order). */
export interface NewTrunkAggregate {
  trunk: NewTrunkRow;
  credentials: Child<CredentialsTable>[];
  routePrefixes: Child<RoutePrefixesTable>[];
  acl: Child<WhitelistedIpsTable>[];
  destinations: Child<DestinationsTable>[];
  settings: Child<TrunkSettingsTable>[];
}

type ChildKey = Exclude<keyof NewTrunkAggregate, "trunk">;

/** Each child table, its columns (but trunk_id) and their PostgreSQL types (the unnested arrays' casts). */
const CHILDREN: { [K in ChildKey]: { table: string; columns: Record<keyof NewTrunkAggregate[K][number], "text" | "int"> } } = {
  credentials: {
    table: "credentials",
    columns: { username: "text", password_enc: "text", ha1: "text", realm: "text", friendly_name: "text", created_at: "text", updated_at: "text" },
  },
  routePrefixes: { table: "route_prefixes", columns: { prefix: "text", position: "int" } },
  acl: { table: "whitelisted_ips", columns: { ip: "text", mask: "int", friendly_name: "text", created_at: "text", updated_at: "text" } },
  destinations: {
    table: "destinations",
    columns: { host: "text", port: "int", transport: "text", priority: "int", weight: "int", created_at: "text", updated_at: "text" },
  },
  settings: { table: "trunk_settings", columns: { name: "text", value: "text", created_at: "text", updated_at: "text" } },
};
const CHILD_KEYS = Object.keys(CHILDREN) as ChildKey[];
/** Each child's insert as a CTE of the PostgreSQL statement. */
const ALIAS: Record<ChildKey, string> = { credentials: "c0", routePrefixes: "c1", acl: "c2", destinations: "c3", settings: "c4" };
const columnsOf = (key: ChildKey) => Object.keys(CHILDREN[key].columns);


/**
 * Raw SQL as prepared() takes it, labelled for metrics (executor.ts queryLabel reads the root
 * node) as an insert into `table`: the create's statement stays `insert trunks`, as the trunk's
 * own insert was, rather than `raw`.
 */
function labelledInsert<O>(db: Executor, table: string, query: RawBuilder<O>): Compilable<O> {
  const node = InsertQueryNode.create(TableNode.create(table));
  return { compile: (): CompiledQuery<O> => ({ ...query.compile(db), query: node }) };
}

/**
 * PostgreSQL: the trunk and all its children in one statement, atomic by itself (no BEGIN or
 * COMMIT round trips), of one shape whatever the number of children: each child table is
 * inserted from its columns passed as arrays ($n::text[], unnest), so it is compiled once and
 * runs as a named statement (pgNamed.ts), parsed and planned once per connection. The children
 * read the trunk's id from the `t` CTE; their foreign keys are checked at the statement's end,
 * with the trunk in. `with ordinality ... order by`: ids follow the arrays' order.
 *
 * It answers with the new trunk's detail, in the detail queries' format (TrunkDetailRow), built
 * from what each insert returned: the statement's own snapshot cannot see the rows it inserts, and
 * reading them back would be another round trip.
 * Parameters: the trunk's columns (TRUNK_COLUMNS), then per child (CHILD_KEYS) one array per column.
 */
const createOnPostgres = prepared((db, $) => {
  let n = 0;
  const next = () => $<unknown>(n++);
  const trunk = sql`insert into ${sql.table("trunks")} (${sql.join(TRUNK_COLUMNS.map((c) => sql.ref(c)))}) values (${sql.join(TRUNK_COLUMNS.map(next))}) returning *`;
  const children = CHILD_KEYS.map((key) => {
    const { table, columns } = CHILDREN[key];
    const names = Object.keys(columns);
    const arrays = sql.join(Object.values(columns).map((type) => sql`${next()}::${sql.raw(type)}[]`));
    return sql`${sql.raw(ALIAS[key])} as (insert into ${sql.table(table)} (trunk_id, ${sql.join(names.map((c) => sql.ref(c)))}) select t.id, ${sql.join(names.map((c) => sql.ref(`x.${c}`)))} from t, unnest(${arrays}) with ordinality as x(${sql.join(names.map((c) => sql.ref(c)))}, ord) order by x.ord returning *)`;
  });
  const inserted = (key: ChildKey, fields: readonly string[]) => sql`(select ${jsonRows(db, ALIAS[key], fields)} from ${sql.raw(ALIAS[key])})`;
  const detail = jsonRow(
    db,
    [...TRUNK_FIELDS.map((f) => `t.${f}`), `(select s.value from ${ALIAS.settings} s where s.name = '${CALLER_ID_SETTING}')`],
    [inserted("routePrefixes", CHILD_FIELDS.routePrefixes), inserted("acl", CHILD_FIELDS.acl), inserted("destinations", CHILD_FIELDS.destinations), inserted("credentials", CHILD_FIELDS.credentials)],
  );
  return labelledInsert(db, "trunks", sql<TrunkDetailRow>`with t as (${trunk}), ${sql.join(children)} select ${detail} as detail from t`);
});

/** SQLite: one row of a child table, compiled once (the driver caches the statement). */
const insertChildRow = Object.fromEntries(
  CHILD_KEYS.map((key) => {
    const names = ["trunk_id", ...columnsOf(key)];
    const { table } = CHILDREN[key];
    const query = prepared((db, $) => labelledInsert(db, table, sql`insert into ${sql.table(table)} (${sql.join(names.map((c) => sql.ref(c)))}) values (${sql.join(names.map((_, i) => $(i)))})`));
    return [key, query];
  }),
) as Record<ChildKey, ReturnType<typeof prepared>>;

async function createOnSqlite(trx: Executor, aggregate: NewTrunkAggregate): Promise<TrunkDetailRow> {
  const id = await trunksRepo.insert(trx, aggregate.trunk);
  for (const key of CHILD_KEYS) {
    const names = columnsOf(key);
    for (const child of aggregate[key] as Record<string, unknown>[]) await insertChildRow[key](trx, id, ...names.map((c) => child[c] ?? null));
  }
  const detail = await trunksRepo.findDetailById(trx, aggregate.trunk.account_sid, id);
  if (!detail) throw new Error("the new trunk was not found in its own transaction");
  return detail;
}

/**
 * Writes a new trunk with all its children, all or nothing; its detail, as the detail queries
 * read it. PostgreSQL: one statement (createOnPostgres). SQLite: one statement per row and the
 * detail read, in a transaction (in-process, a statement costs no round trip). A unique violation
 * is thrown as the engine reports it: the caller tells which table's by uniqueViolationTable
 * (errors.ts).
 */
export async function insertNewTrunk(db: Executor, aggregate: NewTrunkAggregate): Promise<TrunkDetailRow> {
  if (isPostgres(db)) {
    const arrays = CHILD_KEYS.flatMap((key) => columnsOf(key).map((c) => (aggregate[key] as Record<string, unknown>[]).map((row) => row[c] ?? null)));
    const [row] = await createOnPostgres(db, ...trunkInsertValues(aggregate.trunk), ...arrays);
    if (!row) throw new Error("insert into trunks returned no row");
    return row;
  }
  return db.isTransaction ? createOnSqlite(db, aggregate) : db.transaction().execute((trx) => createOnSqlite(trx, aggregate));
}
