import { AliasNode, DeleteQueryNode, InsertQueryNode, SelectQueryNode, TableNode, UpdateQueryNode, type Kysely, type LogEvent, type OperationNode, type RootOperationNode } from "kysely";
import type { Database } from "./schema.js";

/** A connection or an open transaction: repositories work on either. */
export type Executor = Kysely<Database>;

/** What the store reports of each statement it ran: a bounded name (queryLabel), seconds, and whether it failed. */
export type QueryObserver = (query: string, seconds: number, failed: boolean) => void;

/**
 * Times every statement the store runs, for /metrics. Kysely measures each one on its connection
 * (its `log` option: from the driver's call to its answer, connection checkout excluded) and
 * hands it to `log` below; PostgreSQL's named statements, run beside Kysely, are timed the same
 * way (`record`, pgNamed.ts). The observers (one per app built on the store) get a bounded name
 * for it. Nothing is done per statement while no one observes.
 */
export class QueryClock {
  private observers: QueryObserver[] = [];

  /** Adds an observer; the function returned removes it. */
  observe(observer: QueryObserver): () => void {
    this.observers = [...this.observers, observer];
    return () => {
      this.observers = this.observers.filter((o) => o !== observer);
    };
  }

  /** Whether anyone observes: statements run outside Kysely (pgNamed.ts) are timed only then. */
  get observed(): boolean {
    return this.observers.length > 0;
  }

  /** A statement run outside Kysely, timed as Kysely times its own (checkout excluded). */
  record(label: string, seconds: number, failed: boolean): void {
    for (const o of this.observers) o(label, seconds, failed);
  }

  /** Kysely's `log` option. */
  readonly log = (event: LogEvent): void => {
    if (this.observers.length === 0) return;
    this.record(queryLabel(event.query.query), event.queryDurationMillis / 1000, event.level === "error");
  };
}

const labels = new WeakMap<RootOperationNode, string>();

/**
 * A statement's name for metrics: its verb and first table (`select trunks`, `insert calls`), or
 * the verb alone (`select`) when it reads no table directly, and `raw` for SQL written out (pings,
 * pragmas, transaction control, migrations). Bounded by the schema, never by the values. Cached
 * per compiled query: the hot queries are compiled once (prepared.ts), so they are named once.
 */
export function queryLabel(node: RootOperationNode): string {
  let label = labels.get(node);
  if (label === undefined) {
    label = name(node);
    labels.set(node, label);
  }
  return label;
}

function name(node: RootOperationNode): string {
  if (SelectQueryNode.is(node)) return named("select", node.from?.froms[0]);
  if (InsertQueryNode.is(node)) return named("insert", node.into);
  if (UpdateQueryNode.is(node)) return named("update", node.table);
  if (DeleteQueryNode.is(node)) return named("delete", node.from.froms[0]);
  return "raw";
}

function named(verb: string, from: OperationNode | undefined): string {
  const table = from && AliasNode.is(from) ? from.node : from;
  return table && TableNode.is(table) ? `${verb} ${table.table.identifier.name}` : verb;
}

/**
 * A row array to an object, built by an object literal compiled once per statement (SQLite's
 * statement cache in db.ts, PostgreSQL's named statements in pgNamed.ts): profiled on
 * a carrier page of 100 trunks (26 columns), assigning the columns one by one cost ~2.6 µs a row
 * (the object left V8's fast shape), the literal ~0.1 µs. Names are the statement's own columns,
 * quoted; a literal `"__proto__":` would set the prototype, so such a row is built key by key.
 */
export function rowBuilder(names: string[]): (row: unknown[]) => Record<string, unknown> {
  if (names.includes("__proto__")) {
    return (row) => {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) Object.defineProperty(o, names[i] as string, { value: row[i], enumerable: true, writable: true, configurable: true });
      return o;
    };
  }
  // The drivers' own objects: keys in column order, a duplicate name in its first place with its last value.
  const body = `return {${names.map((n, i) => `${JSON.stringify(n)}: row[${i}]`).join(", ")}};`;
  return new Function("row", body) as (row: unknown[]) => Record<string, unknown>;
}
