/**
 * The call stats answer (`GET /v1/Accounts/{sid}/Calls/Stats.json`) turned into what the chart
 * plots and what its text alternative says. Pure: no DOM, no uPlot.
 */

export interface StatsBucket {
  Start: string;
  Calls: number;
  Answered: number;
  Failed: number;
}

export interface CallStats {
  StartTime: string;
  EndTime: string;
  BucketSeconds: number;
  Totals: { Calls: number; Answered: number; Failed: number; AnswerRate: number | null };
  Buckets: StatsBucket[];
}

/** v1 time (`YYYY-MM-DD HH:mm:ss`, UTC) or ISO → epoch seconds. */
export function epochSeconds(t: string): number {
  return Math.floor(Date.parse(t.includes("T") ? t : `${t.replace(" ", "T")}Z`) / 1000);
}

/** Aligned series for uPlot: x (epoch s), calls per bucket, answer rate % (null where no calls). */
export function chartSeries(stats: CallStats): [number[], number[], (number | null)[]] {
  const xs: number[] = [];
  const calls: number[] = [];
  const rate: (number | null)[] = [];
  for (const b of stats.Buckets) {
    xs.push(epochSeconds(b.Start));
    calls.push(b.Calls);
    rate.push(b.Calls > 0 ? Math.round((b.Answered / b.Calls) * 1000) / 10 : null);
  }
  return [xs, calls, rate];
}

export function percent(rate: number | null): string {
  return rate === null ? "—" : `${Math.round(rate * 1000) / 10}%`;
}

export interface HourRow {
  /** `YYYY-MM-DD HH:00` UTC. */
  hour: string;
  calls: number;
  answered: number;
  failed: number;
}

/** The buckets summed per hour, only hours with calls (the chart's table alternative), oldest first. */
export function hourlyRows(stats: CallStats): HourRow[] {
  const rows = new Map<string, HourRow>();
  for (const b of stats.Buckets) {
    if (b.Calls === 0) continue;
    const iso = new Date(epochSeconds(b.Start) * 1000).toISOString();
    const hour = `${iso.slice(0, 10)} ${iso.slice(11, 13)}:00`;
    const row = rows.get(hour) ?? { hour, calls: 0, answered: 0, failed: 0 };
    row.calls += b.Calls;
    row.answered += b.Answered;
    row.failed += b.Failed;
    rows.set(hour, row);
  }
  return [...rows.values()];
}

/** The busiest bucket (most calls), or null with no calls. */
export function peak(stats: CallStats): StatsBucket | null {
  let best: StatsBucket | null = null;
  for (const b of stats.Buckets) if (b.Calls > 0 && (!best || b.Calls > best.Calls)) best = b;
  return best;
}
