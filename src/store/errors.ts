/** True for a unique/primary-key violation on either engine (never shown to clients). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}
