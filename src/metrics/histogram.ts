import type { Metric, Registry } from "prom-client";

/** Request durations of an HTTP API, in seconds: 0.5 ms to 2.5 s. */
export const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;
/** Database statements, in seconds: 0.1 ms to 1 s. */
export const QUERY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] as const;
/** Edge reloads and key updates, in seconds: 5 ms to 10 s. */
export const SYNC_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/**
 * One histogram series: counts per bucket (not cumulative), sum and count.
 *
 * prom-client's own `Histogram.observe` costs 0.6–0.9 µs (it validates and hashes the labels and
 * looks the bucket up by its bound turned into a string, on every call: measured on this machine),
 * a few per cent of the cheapest request. Here a caller keeps the series it observes into, and an
 * observation is a short loop over the bounds and three additions; prom-client still renders it
 * (HistogramFamily below is registered on its Registry).
 */
export class Buckets {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    if (i < bounds.length) this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

type Labels = Record<string, string>;

/**
 * A histogram metric on a prom-client Registry whose series are Buckets kept by their callers
 * (or read from elsewhere at scrape time through `collect`). prom-client renders it, in either of
 * its formats, like one of its own histograms.
 */
export class HistogramFamily {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly series = new Map<string, { labels: Labels; buckets: Buckets }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    /** Called at each scrape to add series kept elsewhere (the edge reloader keeps its own). */
    private readonly collect?: (add: (labels: Labels, buckets: Buckets) => void) => void,
  ) {}

  /** The series for `key` (created with `labels` the first time). Keep it: observing into it is the cheap path. */
  at(key: string, labels: Labels): Buckets {
    let s = this.series.get(key);
    if (!s) {
      s = { labels, buckets: new Buckets(this.bounds) };
      this.series.set(key, s);
    }
    return s.buckets;
  }

  /** Every series, for a caller that derives other metrics from them (counts by status). */
  all(): Iterable<{ labels: Labels; buckets: Buckets }> {
    return this.series.values();
  }

  register(registry: Registry): this {
    // A metric to the registry: it needs only `name` and `get()` (what prom-client's own call).
    registry.registerMetric(this as unknown as Metric);
    return this;
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Array<{ labels: Labels; value: number; metricName: string }> }> {
    const values: Array<{ labels: Labels; value: number; metricName: string }> = [];
    const emit = (labels: Labels, b: Buckets) => {
      let cumulative = 0;
      for (let i = 0; i < b.bounds.length; i++) {
        cumulative += b.counts[i] as number;
        values.push({ labels: { ...labels, le: String(b.bounds[i]) }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { ...labels, le: "+Inf" }, value: b.count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: b.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: b.count, metricName: `${this.name}_count` });
    };
    for (const s of this.series.values()) emit(s.labels, s.buckets);
    this.collect?.(emit);
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
