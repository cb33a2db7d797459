import { Type } from "@sinclair/typebox";

/** Building blocks the dialects' response schemas share (src/dialects/*\/responses.ts). */

export const str = (description?: string) => Type.String(description ? { description } : {});
export const nullableStr = (description?: string) => Type.Union([str(description), Type.Null()]);

/** A destination's health as both wires print it (src/edge/health.ts, read-only extension). */
export const DestinationHealth = Type.Object(
  {
    state: str("up, down or unknown"),
    rtt_ms: Type.Union([Type.Number(), Type.Null()], { description: "Round-trip time of the edges' OPTIONS probes; null before any answer" }),
    checked_at: nullableStr("When the edges' state was last read (ISO 8601 UTC); null when no edge reported it"),
  },
  { $id: "DestinationHealth", description: "Extension (read-only): the edges' OPTIONS probes of the destination" },
);
