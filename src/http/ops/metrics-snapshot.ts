/**
 * What one process's metrics hold, as plain data that crosses a process boundary, and how the
 * snapshots of several worker processes add up to the whole server's (`berth serve --workers`).
 *
 * Aggregated rather than labelled per worker: a scrape reaches one worker, and what an operator
 * asks ("requests per second", "bytes pulled") is about the server; a per-worker label would
 * also reset each time a worker is replaced. Counters and histograms add up; a gauge adds up
 * (sessions in flight) unless it says `max` (the last collection's duration, which only the
 * worker that ran it knows).
 */

export interface HistogramData {
  buckets: number[];
  sum: number;
  count: number;
}

export interface SampleData {
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface MetricsSnapshot {
  /** `route="…",method="…",status="…"` → count. */
  requests: Array<[string, number]>;
  /** `route="…",method="…"` → latency histogram. */
  latency: Array<[string, HistogramData]>;
  bytesIn: number;
  bytesOut: number;
  /** Unlabelled gauges and counters, read when the snapshot was taken. */
  values: Array<{ name: string; help: string; type: 'gauge' | 'counter'; merge: 'sum' | 'max'; value: number }>;
  /** Labelled families kept in this process's memory (not those read from the database). */
  families: Array<{ name: string; help: string; type: 'gauge' | 'counter'; samples: SampleData[] }>;
}

export function emptySnapshot(): MetricsSnapshot {
  return { requests: [], latency: [], bytesIn: 0, bytesOut: 0, values: [], families: [] };
}

/** The sum of several processes' snapshots (gauges marked `max` take the largest). */
export function mergeSnapshots(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  const requests = new Map<string, number>();
  const latency = new Map<string, HistogramData>();
  const values = new Map<string, MetricsSnapshot['values'][number]>();
  const families = new Map<string, { name: string; help: string; type: 'gauge' | 'counter'; samples: Map<string, SampleData> }>();
  let bytesIn = 0;
  let bytesOut = 0;
  for (const snapshot of snapshots) {
    for (const [key, count] of snapshot.requests) requests.set(key, (requests.get(key) ?? 0) + count);
    for (const [key, histogram] of snapshot.latency) {
      const into = latency.get(key);
      if (into === undefined) latency.set(key, { buckets: [...histogram.buckets], sum: histogram.sum, count: histogram.count });
      else {
        histogram.buckets.forEach((n, i) => (into.buckets[i] = (into.buckets[i] ?? 0) + n));
        into.sum += histogram.sum;
        into.count += histogram.count;
      }
    }
    bytesIn += snapshot.bytesIn;
    bytesOut += snapshot.bytesOut;
    for (const value of snapshot.values) {
      const into = values.get(value.name);
      if (into === undefined) values.set(value.name, { ...value });
      else into.value = value.merge === 'max' ? Math.max(into.value, value.value) : into.value + value.value;
    }
    for (const family of snapshot.families) {
      let into = families.get(family.name);
      if (into === undefined) {
        into = { name: family.name, help: family.help, type: family.type, samples: new Map() };
        families.set(family.name, into);
      }
      for (const sample of family.samples) {
        const key = JSON.stringify(Object.entries(sample.labels).sort());
        const was = into.samples.get(key);
        into.samples.set(key, { labels: sample.labels, value: (was?.value ?? 0) + sample.value });
      }
    }
  }
  return {
    requests: [...requests],
    latency: [...latency],
    bytesIn,
    bytesOut,
    values: [...values.values()],
    families: [...families.values()].map((f) => ({ name: f.name, help: f.help, type: f.type, samples: [...f.samples.values()] })),
  };
}

/**
 * What a worker that exited leaves to the server's totals: its counters and histograms (so a
 * restart does not make `berth_http_requests_total` go backwards), not its gauges.
 */
export function countersOf(snapshot: MetricsSnapshot): MetricsSnapshot {
  return {
    requests: snapshot.requests,
    latency: snapshot.latency,
    bytesIn: snapshot.bytesIn,
    bytesOut: snapshot.bytesOut,
    values: snapshot.values.filter((v) => v.type === 'counter'),
    families: snapshot.families.filter((f) => f.type === 'counter'),
  };
}
