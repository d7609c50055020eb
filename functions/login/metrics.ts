/**
 * MetricsPort over CloudWatch embedded metric format (EMF): log lines CloudWatch Logs turns into
 * metrics, no API call and no extra permission (docs/aws-china.md, "CloudWatch"). Written here,
 * not with Powertools Metrics: Powertools adds a `service` dimension to every metric and holds one
 * dimension set per flush, so these metrics (each with its own dimensions) would take a
 * `singleMetric()` line per data point; these ~100 lines write one line per invocation.
 *
 * Data points are summed per (metric, dimensions) and packed into as few lines as possible: a
 * line holds each dimension key with one value and each metric name once.
 */
import { DIMENSION, METRIC, METRICS_NAMESPACE, type MetricName } from "../../core/metrics";
import type { MetricsPort } from "./ports";

export interface EmfOptions {
  /** The `stack` dimension (core/metrics.ts METRICS_STACK_ENV). */
  readonly stack: string;
  /** Writes one line (no trailing newline). */
  readonly write: (line: string) => void;
  readonly nowMs?: () => number;
}

type Unit = "Count" | "Milliseconds";

interface Point {
  readonly name: MetricName;
  readonly unit: Unit;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Counts: one summed value; latencies: every value (EMF takes an array). */
  readonly values: number[];
}

interface Line {
  readonly props: Record<string, string | number | number[]>;
  readonly directives: { Namespace: string; Dimensions: string[][]; Metrics: object[] }[];
}

/** EMF allows at most 100 values per metric in one line. */
const MAX_VALUES = 100;

/** The stdout writer: one JSON object per line, as CloudWatch Logs extracts EMF from Lambda. */
export const stdoutLine = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

export function makeEmfMetrics(opts: EmfOptions): MetricsPort {
  const nowMs = opts.nowMs ?? Date.now;
  let pending = new Map<string, Point>();

  // Plain loops and string keys: this runs on every invocation (functions/README.md,
  // "Performance"). A metric's dimension keys are fixed by its name, so name and values key it.
  const add = (name: MetricName, unit: Unit, dims: Record<string, string>, value: number) => {
    let key: string = name;
    for (const k in dims) key += `|${dims[k]}`;
    const point = pending.get(key);
    if (point === undefined) {
      pending.set(key, {
        name,
        unit,
        dimensions: { [DIMENSION.stack]: opts.stack, ...dims },
        values: [value],
      });
    } else if (unit === "Count") {
      point.values[0] = (point.values[0] ?? 0) + value;
    } else if (point.values.length < MAX_VALUES) {
      point.values.push(value);
    }
  };

  return {
    loginSucceeded: (outcome) =>
      add(METRIC.loginSucceeded, "Count", { [DIMENSION.outcome]: outcome }, 1),
    loginFailed: (code) => add(METRIC.loginFailed, "Count", { [DIMENSION.code]: code }, 1),
    upstreamError: (upstream, errorClass) =>
      add(
        METRIC.upstreamError,
        "Count",
        { [DIMENSION.upstream]: upstream, [DIMENSION.errorClass]: errorClass },
        1,
      ),
    wechatError: (errorClass) =>
      add(METRIC.wechatError, "Count", { [DIMENSION.errorClass]: errorClass }, 1),
    clientLimited: () => add(METRIC.clientLimited, "Count", {}, 1),
    latency: (metric, ms) => {
      if (Number.isFinite(ms) && ms >= 0) add(metric, "Milliseconds", {}, Math.round(ms));
    },
    flush: () => {
      if (pending.size === 0) return;
      const points = pending;
      pending = new Map();
      try {
        const timestamp = nowMs();
        for (const line of pack(points.values())) {
          opts.write(
            JSON.stringify({
              _aws: { Timestamp: timestamp, CloudWatchMetrics: line.directives },
              ...line.props,
            }),
          );
        }
      } catch {
        // Metrics must never fail a login.
      }
    },
  };
}

/**
 * First-fit packing: a point joins the first line with no conflicting key (its name not there
 * yet, its dimensions equal where both have one).
 */
function pack(points: Iterable<Point>): Line[] {
  const lines: Line[] = [];
  for (const p of points) {
    let line: Line | undefined;
    search: for (const l of lines) {
      if (l.props[p.name] !== undefined) continue;
      for (const k in p.dimensions) {
        const have = l.props[k];
        if (have !== undefined && have !== p.dimensions[k]) continue search;
      }
      line = l;
      break;
    }
    if (line === undefined) {
      line = { props: {}, directives: [] };
      lines.push(line);
    }
    Object.assign(line.props, p.dimensions);
    line.props[p.name] = p.unit === "Count" ? (p.values[0] ?? 0) : p.values;
    line.directives.push({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [Object.keys(p.dimensions)],
      Metrics: [{ Name: p.name, Unit: p.unit }],
    });
  }
  return lines;
}
