import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { chartSeries, type CallStats } from "./stats.js";

const HEIGHT = 260;
/** Colours with AA contrast on white (the axes' text is the page's text colour). */
const CALLS_COLOUR = "#1d4ed8";
const RATE_COLOUR = "#b45309";

function options(width: number, bucketSeconds: number): uPlot.Options {
  const perBucket = bucketSeconds === 60 ? "Calls per minute" : `Calls per ${bucketSeconds / 60} min`;
  return {
    width,
    height: HEIGHT,
    // Times on the console are UTC, as the API gives them.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    scales: { x: { time: true }, calls: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max)] }, rate: { auto: false, range: [0, 100] } },
    series: [
      { label: "Time (UTC)" },
      { label: perBucket, scale: "calls", stroke: CALLS_COLOUR, fill: "rgba(29, 78, 216, 0.15)", width: 1.5, paths: uPlot.paths.bars?.({ size: [0.9, 8] }), points: { show: false } },
      { label: "Answer rate %", scale: "rate", stroke: RATE_COLOUR, width: 2, spanGaps: false, points: { show: true, size: 5 }, value: (_u, v) => (v === null ? "—" : `${v}%`) },
    ],
    axes: [
      { stroke: "#1f2937" },
      { scale: "calls", label: perBucket, stroke: "#1f2937", size: 50 },
      { scale: "rate", label: "Answer rate %", side: 1, stroke: "#1f2937", grid: { show: false }, size: 50 },
    ],
  };
}

/**
 * Calls per bucket (bars) and answer rate (points, right axis) over the stats window, drawn on a
 * canvas by uPlot and redrawn at the container's width. The canvas is not readable by screen
 * readers: the page shows the same figures as text next to it (CallsSummary).
 */
export function CallsChart(props: { stats: CallStats }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(280, el.clientWidth);
    const plot = new uPlot(options(width(), props.stats.BucketSeconds), chartSeries(props.stats), el);
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.stats]);
  return <div ref={box} class="calls-chart" data-testid="calls-chart" role="img" aria-label="Chart of calls per minute and answer rate over the last 24 hours; the figures are in the summary and table below" />;
}
