import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from "fastify";
import pino from "pino";
import { redactUrl } from "./redactUrl.js";

/** What is told of each finished response (metrics): the route pattern, or undefined when none matched. */
export type ResponseObserver = (req: FastifyRequest, reply: FastifyReply, route: string | undefined) => void;

/** pino's level number for "info": the access line's level. */
const INFO = 30;

/**
 * The start and end of every request, in one place: the request id header; the metrics observer
 * and the access log line.
 *
 * Fastify calls `requestCompleted` once per response, after the onResponse hooks (of which there
 * are none: a hook is a step of Fastify's runner on every request). Profiled on `/healthz` under
 * autocannon, pino's own line (its serializers, `_asJson`, the per-request child logger) was the
 * largest piece of the per-request floor; the line below is the same JSON pino would write —
 * level, time, the logger's bindings (pid, hostname), reqId, req, res, responseTime, msg — built
 * as one string and handed to the logger's destination. Every other line (errors, the operator
 * audit) still goes through pino. Fastify's own per-request lines stay off, as before.
 */
export class AccessLog extends LogController {
  private observe: ResponseObserver = () => {};
  private root: pino.Logger | undefined;
  private stream: { write(line: string): void } | undefined;
  private prefix = "";
  private levels: Record<string, number> = {};

  constructor() {
    super({ disableRequestLogging: true });
  }

  /**
   * Attaches the app's root logger and the metrics observer, once the app is built. Only for an
   * app with a logger: without one Fastify does not call `requestCompleted` unless an onResponse
   * hook exists (server.ts observes in such a hook then).
   */
  attach(logger: FastifyBaseLogger, observe: ResponseObserver): void {
    this.observe = observe;
    const root = logger as pino.Logger;
    // pino's destination and bindings are reached through its exported symbols (pino.symbols).
    const internals = root as unknown as Record<symbol, unknown>;
    const stream = internals[pino.symbols.streamSym] as { write(line: string): void } | undefined;
    if (typeof stream?.write !== "function") return; // not pino: metrics only
    this.root = root;
    this.stream = stream;
    // pid, hostname and any base bindings, as pino writes them: `,"pid":1,"hostname":"h"`.
    this.prefix = String(internals[pino.symbols.chindingsSym] ?? "");
    this.levels = root.levels.values;
  }

  /**
   * The start of every request Fastify answers (routed or its 404), before any hook: the request
   * id goes out as `X-Request-Id` here rather than in an onRequest hook, so a route without hooks
   * of its own (`/healthz`) runs no hook at all.
   */
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    reply.header("x-request-id", request.id);
  }

  override requestCompleted(_error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const options = request.routeOptions;
    this.observe(request, reply, options.url);
    const root = this.root;
    if (!root || !this.stream) return;
    // A route's own level (e.g. /metrics at warn) silences its access line, as its child logger would.
    const threshold = options.logLevel ? this.levels[options.logLevel] : root.levelVal;
    if (threshold === undefined || threshold > INFO) return;
    this.stream.write(accessLine(this.prefix, request, reply));
  }
}

function accessLine(prefix: string, req: FastifyRequest, reply: FastifyReply): string {
  const raw = req.raw;
  const host = raw.headers.host;
  const socket = raw.socket;
  return (
    `{"level":${INFO},"time":${Date.now()}${prefix},"reqId":"${req.id}","req":{"method":"${raw.method}","url":${JSON.stringify(redactUrl(raw.url ?? ""))}` +
    `${host === undefined ? "" : `,"host":${JSON.stringify(host)}`}${socket?.remoteAddress === undefined ? "" : `,"remoteAddress":"${socket.remoteAddress}"`}` +
    `${socket?.remotePort === undefined ? "" : `,"remotePort":${socket.remotePort}`}},"res":{"statusCode":${reply.statusCode}},"responseTime":${reply.elapsedTime},"msg":"request completed"}\n`
  );
}

/**
 * Fastify makes a pino child logger for every request (`request.log`), with its request id bound.
 * Most requests never log through it (the access line above does not), so the child is made on
 * first use: Fastify's factory hook returns this stand-in, which creates the real child then.
 */
class LazyChild {
  private real: pino.Logger | undefined;

  constructor(
    private readonly parent: pino.Logger,
    private readonly bindings: pino.Bindings,
    private readonly options: pino.ChildLoggerOptions,
  ) {}

  /** The real child, made on first use; the level methods below forward to it. */
  get log(): pino.Logger {
    return (this.real ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.log.level;
  }
  set level(level: string) {
    this.log.level = level;
  }
  silent(): void {}
  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): pino.Logger {
    return this.log.child(bindings, options);
  }
}

for (const level of ["fatal", "error", "warn", "info", "debug", "trace"] as const) {
  Object.defineProperty(LazyChild.prototype, level, {
    value(this: LazyChild, ...args: unknown[]) {
      (this.log[level] as (...a: unknown[]) => void)(...args);
    },
  });
}

/** Fastify's `childLoggerFactory` option: the per-request logger, made when first used. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: pino.Bindings, options: pino.ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChild(logger as pino.Logger, bindings, options) as unknown as FastifyBaseLogger;
}
