/**
 * Polls `probe` until it yields something other than undefined (a probe that throws has not
 * yielded yet), and fails after `timeoutMs` naming `what`, the probe's last error and `context()`.
 * Tests wait on conditions this way, never on fixed sleeps: the machine may be loaded.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20000,
  context: () => string = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const cause = last instanceof Error ? `: ${last.message}` : "";
      const more = context();
      throw new Error(`${what}: not within ${timeoutMs} ms${cause}${more ? `\n${more}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
