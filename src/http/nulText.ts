/** True when any string in a parsed request part holds a NUL (no store accepts it in text). */
export function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (depth > 32 || value === null || typeof value !== "object") return false;
  const parts = Array.isArray(value) ? value : [...Object.keys(value), ...Object.values(value)];
  return parts.some((v) => hasNul(v, depth + 1));
}

/** Whether any part of the parsed request (path, query, body) holds a NUL character. */
export function requestHasNul(req: { params: unknown; query: unknown; body: unknown }): boolean {
  return hasNul(req.params) || hasNul(req.query) || hasNul(req.body);
}
