/** True for a unique/primary-key violation on either engine (never shown to clients). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/**
 * True for a foreign-key violation on either engine: a row written for a parent that another
 * transaction deleted after this statement found it (PostgreSQL checks the key at the statement's
 * end, against the committed delete).
 */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "23503" || code === "SQLITE_CONSTRAINT_FOREIGNKEY";
}

/**
 * The table whose unique (or primary) key a violation broke, undefined for any other error: a
 * statement that writes several tables (a trunk with its children) tells its conflicts apart by
 * it. PostgreSQL's error names the table; SQLite's message the columns ("UNIQUE constraint
 * failed: credentials.username" or "...: trunks.account_sid, trunks.name").
 */
export function uniqueViolationTable(error: unknown): string | undefined {
  if (!isUniqueViolation(error)) return undefined;
  const e = error as { table?: unknown; message?: unknown };
  if (typeof e.table === "string") return e.table;
  const m = typeof e.message === "string" ? /constraint failed: ([A-Za-z0-9_]+)\./.exec(e.message) : null;
  return m?.[1];
}
