import { performance } from "node:perf_hooks";
import type { QueryExecutor } from "kysely";
import pg from "pg";
import { rowBuilder, type QueryClock } from "./executor.js";

/**
 * PostgreSQL named prepared statements for the hot queries, run straight on the pg pool.
 *
 * Kysely sends every query unnamed, so PostgreSQL parses and plans it afresh each time: about
 * half of a ~400 µs round trip for the trunk lookup here (measured: 402 → 194 µs named). A query
 * compiled once by prepared.ts runs here instead when outside a transaction: on each pool
 * connection it is parsed and described once, then only bound and executed. Every other query
 * (transactions, anything built per request) goes through Kysely, unnamed.
 *
 * Beside Kysely rather than through it, and with a query object of its own rather than pg's: the
 * API process's CPU per lookup halved (in-process, one 18-column trunk row: ~85 → ~45 µs; a
 * trunk detail ~100 → ~55 µs). Kysely's driver path (connection provider, a promise per step)
 * and pg's Query (a Result per query, the row description parsed and its type parsers looked up
 * again on every execution) were most of the difference; skipping Describe alone ~5–8 µs. What
 * remains is mostly the kernel's (one write and one read per query on the socket). The rows are
 * the objects pg builds (column order, pg's type parsers), as Kysely returned them, and each
 * statement is timed for /metrics as Kysely times its own (QueryClock: checkout excluded).
 *
 * The two known risks:
 * - Generic plans: after five executions PostgreSQL may reuse a plan made without the parameter
 *   values. The named queries are all bounded by their index whatever the values (account or
 *   trunk as a one-value range, order by the index's columns); their generic plans are checked at
 *   1M rows (bench/lib/plans.ts, `generic: true`) and in test/scale/plans.test.ts.
 * - `cached plan must not change result type`: a migration that adds a column to a table a
 *   `select *` statement reads makes the statement unusable on every connection that prepared it.
 *   On that error the statement is given a new name (a generation suffix) and the query retried
 *   once on the same connection, so the new name is parsed (and described) against the new
 *   table. Named queries never run inside a transaction, so the retry cannot meet an aborted one.
 *   The old statement stays on its connection until the pool closes it (one per migration at most).
 */
export class NamedStatement {
  private generation = 0;
  /** The name on the wire: the base and its generation. */
  current: string;

  constructor(
    /** `tl_` and a hash of the text (prepared.ts statementName). */
    readonly base: string,
    readonly text: string,
    /** Its name in /metrics (executor.ts queryLabel). */
    readonly label: string,
  ) {
    this.current = `${base}_0`;
  }

  /** After a stale-result error under `failed`: several connections may report the same one. */
  renew(failed: string): void {
    if (failed !== this.current) return;
    reprepared++;
    this.current = `${this.base}_${++this.generation}`;
  }
}

let reprepared = 0;

/** How many times a stale named statement was re-prepared in this process (tests, diagnostics). */
export function repreparedStatements(): number {
  return reprepared;
}

function isStaleResultType(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === "0A000" && typeof e.message === "string" && e.message.includes("cached plan must not change result type");
}

/** Dropped on the server behind our back (DEALLOCATE, DISCARD ALL): parsed again by the retry. */
function isMissingStatement(error: unknown): boolean {
  return (error as { code?: string })?.code === "26000";
}

type Done = (error: Error | undefined, rows: unknown[]) => void;
type Parser = (text: string) => unknown;

/** A statement's result columns on one connection: how a data row becomes a row object. */
interface Shape {
  readonly parsers: Parser[];
  readonly build: (values: unknown[]) => Record<string, unknown>;
}

const NO_COLUMNS: Shape = { parsers: [], build: () => ({}) };

/**
 * Per connection, the shape of each named statement it has described. A prepared statement's
 * result columns cannot change (PostgreSQL answers 0A000 instead, and the statement is renamed),
 * so once described it is only bound and executed. Any error forgets the statement on that
 * connection: the next execution closes it (a no-op when absent), parses and describes it
 * afresh, so nothing stale outlives an error, whatever dropped it (DEALLOCATE, DISCARD ALL).
 */
const described = new WeakMap<pg.Connection, Map<string, Shape>>();

// pg's own conversion of parameters (dates, buffers, arrays, objects), as its Query does.
const prepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): string | Buffer | null } }).utils.prepareValue;

/**
 * One execution of a named statement, given to the client as a query object of its own (pg's
 * Submittable, as pg-cursor is): Close and Parse only the first time on a connection (or after an
 * error), Bind, Describe only the first time, Execute, Sync — in one write.
 */
class Execution implements pg.Submittable {
  private shapes: Map<string, Shape> | undefined;
  private shape: Shape | undefined;
  private failed: Error | undefined;
  private settled = false;
  private readonly rows: unknown[] = [];

  constructor(
    private readonly client: pg.PoolClient,
    private readonly statement: string,
    private readonly sql: string,
    private readonly parameters: unknown[],
    private readonly done: Done,
  ) {}

  submit(connection: pg.Connection): Error | undefined {
    let shapes = described.get(connection);
    if (!shapes) described.set(connection, (shapes = new Map()));
    this.shapes = shapes;
    this.shape = shapes.get(this.statement);
    let values: (string | Buffer | null)[];
    try {
      // Before anything is written: a value that cannot be sent fails this query alone.
      values = this.parameters.map((v) => prepareValue(v));
    } catch (error) {
      return error as Error;
    }
    const stream = connection.stream;
    stream.cork();
    try {
      if (!this.shape) {
        connection.close({ type: "S", name: this.statement }, true);
        connection.parse({ name: this.statement, text: this.sql, types: [] }, true);
      }
      connection.bind({ statement: this.statement, values }, true);
      if (!this.shape) connection.describe({ type: "P", name: "" }, true);
      connection.execute({ portal: "" }, true);
      connection.sync();
    } finally {
      stream.uncork();
    }
    return undefined;
  }

  handleRowDescription(message: { fields: pg.FieldDef[] }): void {
    const fields = message.fields;
    this.shape = { parsers: fields.map((f) => this.client.getTypeParser(f.dataTypeID, "text") as Parser), build: rowBuilder(fields.map((f) => f.name)) };
    this.shapes?.set(this.statement, this.shape);
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    if (this.failed) return;
    const raw = message.fields;
    try {
      const shape = this.shape;
      if (!shape) throw new Error(`a row of statement ${this.statement} came before its description`);
      const values = new Array<unknown>(raw.length);
      for (let i = 0; i < raw.length; i++) {
        const v = raw[i];
        values[i] = v === null || v === undefined ? null : (shape.parsers[i] as Parser)(v);
      }
      this.rows.push(shape.build(values));
    } catch (error) {
      // Reported once the server is done with the query (ReadyForQuery), as pg does.
      this.failed = error as Error;
    }
  }

  handleCommandComplete(): void {
    // No result columns: its Describe answered NoData, not a row description. Described all the same.
    if (!this.shape) {
      this.shape = NO_COLUMNS;
      this.shapes?.set(this.statement, NO_COLUMNS);
    }
  }

  handleError(error: Error): void {
    this.shapes?.delete(this.statement);
    this.finish(error);
  }

  handleReadyForQuery(): void {
    if (this.failed) this.shapes?.delete(this.statement);
    this.finish(this.failed);
  }

  /** Once: a client-side query timeout (query_timeout) reports an error before the answer comes. */
  private finish(error: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.done(error, error ? [] : this.rows);
  }

  // Never met (no row limit, no COPY), but part of what the client may call on a query.
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(connection: pg.Connection): void {
    (connection as unknown as { sendCopyFail(message: string): void }).sendCopyFail("No source stream defined");
  }
  handleCopyData(): void {}
}

/**
 * One execution on a checked-out client, and one retry: under a new name after a stale result
 * type, under the same one (parsed again: the error forgot it) when the server no longer has it.
 */
function execute(client: pg.PoolClient, statement: NamedStatement, values: unknown[], retry: boolean, done: Done): void {
  const name = statement.current;
  client.query(
    new Execution(client, name, statement.text, values, (error, rows) => {
      if (error && retry && (isStaleResultType(error) || isMissingStatement(error))) {
        if (isStaleResultType(error)) statement.renew(name);
        execute(client, statement, values, false, done);
        return;
      }
      done(error, rows);
    }),
  );
}

/** The pg pool of a store, for the named statements of prepared.ts. */
export class NamedStatements {
  constructor(
    private readonly pool: pg.Pool,
    private readonly clock: QueryClock,
  ) {}

  /** Callbacks inside, one promise outside: each step's promise was a measurable part of the cost. */
  run(statement: NamedStatement, values: unknown[]): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      this.pool.connect((connectError, client, release) => {
        if (connectError || !client) {
          reject(connectError ?? new Error("the pool gave no client"));
          return;
        }
        const start = this.clock.observed ? performance.now() : -1;
        execute(client, statement, values, true, (error, rows) => {
          // As Kysely releases: without the error, so an SQL error keeps the connection (and
          // its prepared statements); a broken connection is dropped by the pool itself.
          release();
          if (start >= 0) this.clock.record(statement.label, (performance.now() - start) / 1000, error !== undefined);
          if (error) reject(error);
          else resolve(rows);
        });
      });
    });
  }
}

/** What of a Kysely instance (or transaction) tells whose pool it runs on. */
interface KyselyLike {
  readonly isTransaction: boolean;
  getExecutor(): QueryExecutor;
}

// By executor: a Kysely derived without plugins (withTables) shares its store's; one with
// plugins, a transaction or a single connection (db.connection()) has its own and goes through Kysely.
const registry = new WeakMap<QueryExecutor, NamedStatements>();

/** Named statements for this Kysely instance, which runs on their pool. */
export function useNamedStatements(db: KyselyLike, statements: NamedStatements): void {
  registry.set(db.getExecutor(), statements);
}

/** The store's named statements when `db` is its pool (never a transaction), else undefined. */
export function namedStatementsOf(db: KyselyLike): NamedStatements | undefined {
  return db.isTransaction ? undefined : registry.get(db.getExecutor());
}
