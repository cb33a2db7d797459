import { stderrLog, type ComponentLog } from "../log.js";

/**
 * A background read of the edges (or the store) repeated on an interval, so that what it learns is
 * served from memory and never read on a request's path. One read at a time: `refresh` during a
 * read waits for that read instead of starting another. Subclasses say what one read does.
 */
export abstract class Poller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  protected log: ComponentLog;

  constructor(
    private readonly intervalMs: number,
    component: string,
    log: ComponentLog | undefined,
  ) {
    this.log = log ?? stderrLog(component);
  }

  /** One read. */
  protected abstract poll(): Promise<void>;

  /** The server hands over its own logger once it has one. */
  setLogger(log: ComponentLog): void {
    this.log = log;
  }

  start(): this {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One read now (or the one already running); resolves when it is done. */
  refresh(): Promise<void> {
    this.running ??= this.poll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
