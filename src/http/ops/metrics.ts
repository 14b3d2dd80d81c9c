/**
 * Prometheus text exposition without a client library: a handful of counters and one
 * histogram keyed by label strings, cheap enough to update on every request.
 */
import { mergeSnapshots, type HistogramData, type MetricsSnapshot } from './metrics-snapshot.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** One labelled sample of a family read at scrape time. */
export interface Sample {
  labels: Readonly<Record<string, string>>;
  value: number;
}

interface Family {
  help: string;
  type: 'gauge' | 'counter';
  read: () => Promise<readonly Sample[]>;
  /** 'process': kept in this process's memory, added up over workers; 'shared': read from the database once. */
  scope: 'process' | 'shared';
}

/**
 * Adds the other worker processes' snapshots to this one's (see metrics-snapshot.ts); absent
 * when the process serves alone.
 */
export type MetricsAggregator = (own: MetricsSnapshot) => Promise<MetricsSnapshot[]>;

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, HistogramData>();
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly gauges = new Map<string, { help: string; read: () => number; type: 'gauge' | 'counter'; merge: 'sum' | 'max' }>();
  private readonly families = new Map<string, Family>();
  /** Set by `berth serve --workers`; see MetricsAggregator. */
  aggregate: MetricsAggregator | undefined;

  observeRequest(route: string, method: string, status: number, seconds: number, bytesIn: number, bytesOut: number): void {
    const key = `route="${route}",method="${method}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const latencyKey = `route="${route}",method="${method}"`;
    let histogram = this.latency.get(latencyKey);
    if (!histogram) {
      histogram = { buckets: new Array<number>(LATENCY_BUCKETS.length).fill(0), sum: 0, count: 0 };
      this.latency.set(latencyKey, histogram);
    }
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (seconds <= LATENCY_BUCKETS[i]!) histogram.buckets[i]!++;
    histogram.sum += seconds;
    histogram.count++;
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
  }

  /**
   * A value read at scrape time (e.g. upload sessions in flight). Over several workers the
   * values add up, or with `max` the largest is reported.
   */
  gauge(name: string, help: string, read: () => number, merge: 'sum' | 'max' = 'sum'): void {
    this.gauges.set(name, { help, read, type: 'gauge', merge });
  }

  /** A monotonically growing total kept elsewhere (e.g. bytes freed by GC), read at scrape time. */
  counter(name: string, help: string, read: () => number): void {
    this.gauges.set(name, { help, read, type: 'counter', merge: 'sum' });
  }

  /**
   * Labelled values read asynchronously at scrape time (e.g. usage per project from the
   * database). A family whose read fails is left out of that scrape rather than failing it.
   * `process` families are this process's own counts and add up over workers; `shared` ones
   * (the default) are read from the database by the worker that answers the scrape.
   */
  family(name: string, help: string, type: 'gauge' | 'counter', read: () => Promise<readonly Sample[]>, scope: 'process' | 'shared' = 'shared'): void {
    this.families.set(name, { help, type, read, scope });
  }

  /** This process's own numbers, as plain data (for the other workers' scrapes). */
  async snapshot(): Promise<MetricsSnapshot> {
    const families: MetricsSnapshot['families'] = [];
    for (const [name, family] of this.families) {
      if (family.scope !== 'process') continue;
      try {
        families.push({ name, help: family.help, type: family.type, samples: [...(await family.read())] });
      } catch {
        continue;
      }
    }
    return {
      requests: [...this.requests],
      latency: [...this.latency].map(([key, h]) => [key, { buckets: [...h.buckets], sum: h.sum, count: h.count }]),
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      values: [...this.gauges].map(([name, g]) => ({ name, help: g.help, type: g.type, merge: g.merge, value: g.read() })),
      families,
    };
  }

  /** The whole exposition: every worker's numbers added up, and the database-read families. */
  async collect(): Promise<string> {
    const own = await this.snapshot();
    const all = this.aggregate === undefined ? own : mergeSnapshots(await this.aggregate(own));
    const lines: string[] = [];
    for (const [name, family] of this.families) {
      if (family.scope === 'process') continue;
      let samples: readonly Sample[];
      try {
        samples = await family.read();
      } catch {
        continue;
      }
      lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
      for (const sample of samples) lines.push(`${name}${labelText(sample.labels)} ${sample.value}`);
    }
    return renderSnapshot(all) + (lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  }

  /** This process's request counters, histograms and unlabelled values, as exposition text. */
  render(): string {
    return renderSnapshot({
      requests: [...this.requests],
      latency: [...this.latency],
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      values: [...this.gauges].map(([name, g]) => ({ name, help: g.help, type: g.type, merge: g.merge, value: g.read() })),
      families: [],
    });
  }
}

function renderSnapshot(snapshot: MetricsSnapshot): string {
  const lines: string[] = [
    '# HELP berth_http_requests_total HTTP requests by route, method and status.',
    '# TYPE berth_http_requests_total counter',
  ];
  for (const [labels, value] of snapshot.requests) lines.push(`berth_http_requests_total{${labels}} ${value}`);
  lines.push(
    '# HELP berth_http_request_duration_seconds Request latency by route and method.',
    '# TYPE berth_http_request_duration_seconds histogram',
  );
  for (const [labels, h] of snapshot.latency) {
    LATENCY_BUCKETS.forEach((le, i) => lines.push(`berth_http_request_duration_seconds_bucket{${labels},le="${le}"} ${h.buckets[i]}`));
    lines.push(`berth_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
    lines.push(`berth_http_request_duration_seconds_sum{${labels}} ${h.sum}`);
    lines.push(`berth_http_request_duration_seconds_count{${labels}} ${h.count}`);
  }
  lines.push(
    '# HELP berth_http_received_bytes_total Request body bytes received.',
    '# TYPE berth_http_received_bytes_total counter',
    `berth_http_received_bytes_total ${snapshot.bytesIn}`,
    '# HELP berth_http_sent_bytes_total Response body bytes sent.',
    '# TYPE berth_http_sent_bytes_total counter',
    `berth_http_sent_bytes_total ${snapshot.bytesOut}`,
  );
  for (const value of snapshot.values) {
    lines.push(`# HELP ${value.name} ${value.help}`, `# TYPE ${value.name} ${value.type}`, `${value.name} ${value.value}`);
  }
  for (const family of snapshot.families) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(`${family.name}${labelText(sample.labels)} ${sample.value}`);
  }
  return `${lines.join('\n')}\n`;
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}
