import { AliasNode, DeleteQueryNode, InsertQueryNode, SelectQueryNode, TableNode, UpdateQueryNode, type Kysely, type LogEvent, type OperationNode, type RootOperationNode } from "kysely";
import type { Database } from "./schema.js";

/** A connection or an open transaction: repositories work on either. */
export type Executor = Kysely<Database>;

/** What the store reports of each statement it ran: a bounded name (queryLabel), seconds, and whether it failed. */
export type QueryObserver = (query: string, seconds: number, failed: boolean) => void;

/**
 * Times every statement the store runs, for /metrics. Kysely measures each one on its connection
 * (its `log` option: from the driver's call to its answer, connection checkout excluded) and
 * hands it to `log` below; the observers (one per app built on the store) get a bounded name for
 * it. Nothing is done per statement while no one observes.
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

  /** Kysely's `log` option. */
  readonly log = (event: LogEvent): void => {
    const observers = this.observers;
    if (observers.length === 0) return;
    const label = queryLabel(event.query.query);
    const seconds = event.queryDurationMillis / 1000;
    const failed = event.level === "error";
    for (const o of observers) o(label, seconds, failed);
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
