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
