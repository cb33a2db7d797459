/** What background components log through: pino (Fastify's `app.log`) or anything shaped like it. */
export interface ComponentLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** One pino-shaped JSON line on stderr per message, until the server hands over its own logger. */
export function stderrLog(component: string): ComponentLog {
  const line = (level: number, obj: object, msg: string) => process.stderr.write(`${JSON.stringify({ level, time: Date.now(), component, ...obj, msg })}\n`);
  return { warn: (obj, msg) => line(40, obj, msg), info: (obj, msg) => line(30, obj, msg) };
}

/**
 * The access log's destination: lines written in one turn of the event loop go out as one write
 * to stdout at the end of that turn (setImmediate), instead of one write system call per line
 * (profiled: the access-log line was the largest piece of the per-request floor). Order is kept.
 * On exit (normal, or an uncaught exception) what is pending is written first; a SIGKILL loses at
 * most the lines of the turn it interrupts, i.e. of requests whose responses were just sent.
 */
export function batchedStdout(out: { write(text: string): unknown } = process.stdout): { write(line: string): void } {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    out.write(text);
  };
  process.once("exit", flush);
  return {
    write(line) {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  };
}
