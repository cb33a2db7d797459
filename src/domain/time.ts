/** ISO 8601 UTC without millis, the one timestamp format of both wires. */
export function nowIso(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
