/**
 * The data points of embedded metric format lines, as CloudWatch would extract them (CloudWatch
 * "Specification: Embedded metric format"), keyed `Name{k=v,...}` (dimensions sorted), so the
 * tests can compare what the bundled function wrote with what an alarm reads (infra/alarms.ts).
 */
import { METRICS_NAMESPACE } from "../../core/metrics";
import type { MetricRef } from "../../infra/alarms";

interface Emf {
  _aws?: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
  };
  [key: string]: unknown;
}

export const metricKey = (name: string, dims: Readonly<Record<string, string>>): string =>
  `${name}{${Object.entries(dims)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",")}}`;

export const refKey = (m: MetricRef): string => metricKey(m.metricName, { ...m.dimensions });

/**
 * Samples per data point (a count's value, a latency array's length) over every EMF line in
 * `lines` (other JSON lines are skipped). Throws on a metric of another namespace.
 */
export function emfPoints(lines: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of lines.flatMap((l) => l.split("\n")).filter((l) => l.trim() !== "")) {
    const doc = JSON.parse(line) as Emf;
    if (!doc._aws) continue;
    for (const d of doc._aws.CloudWatchMetrics) {
      if (d.Namespace !== METRICS_NAMESPACE) throw new Error(`namespace ${d.Namespace}`);
      const name = d.Metrics[0]?.Name ?? "";
      const key = metricKey(
        name,
        Object.fromEntries((d.Dimensions[0] ?? []).map((k) => [k, String(doc[k])])),
      );
      const v = doc[name];
      const n = Array.isArray(v) ? v.length : Number(v);
      out.set(key, (out.get(key) ?? 0) + n);
    }
  }
  return out;
}
