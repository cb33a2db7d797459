/** A call status as a word with a colour class; the word carries the meaning, the colour only repeats it. */
export function StatusBadge({ status }: { status: string }) {
  const tone = status === "completed" ? "up" : status === "failed" ? "down" : "unknown";
  return <span class={`state-${tone}`}>{status}</span>;
}

/** A destination's probe state, same idea (the shell's state-up/down/unknown classes). */
export function HealthBadge({ state }: { state: string }) {
  const tone = state === "up" || state === "down" ? state : "unknown";
  return <span class={`state-${tone}`}>{state}</span>;
}
