/**
 * Prometheus text exposition without a client library: a handful of counters and one
 * histogram keyed by label strings, cheap enough to update on every request.
 */
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
}

interface Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly gauges = new Map<string, { help: string; read: () => number; type: 'gauge' | 'counter' }>();
  private readonly families = new Map<string, Family>();

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

  /** A value read at scrape time (e.g. upload sessions in flight). */
  gauge(name: string, help: string, read: () => number): void {
    this.gauges.set(name, { help, read, type: 'gauge' });
  }

  /** A monotonically growing total kept elsewhere (e.g. bytes freed by GC), read at scrape time. */
  counter(name: string, help: string, read: () => number): void {
    this.gauges.set(name, { help, read, type: 'counter' });
  }

  /**
   * Labelled values read asynchronously at scrape time (e.g. usage per project from the
   * database). A family whose read fails is left out of that scrape rather than failing it.
   */
  family(name: string, help: string, type: 'gauge' | 'counter', read: () => Promise<readonly Sample[]>): void {
    this.families.set(name, { help, type, read });
  }

  /** The whole exposition: render() plus every family. */
  async collect(): Promise<string> {
    const lines: string[] = [];
    for (const [name, family] of this.families) {
      let samples: readonly Sample[];
      try {
        samples = await family.read();
      } catch {
        continue;
      }
      lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
      for (const sample of samples) lines.push(`${name}${labelText(sample.labels)} ${sample.value}`);
    }
    return this.render() + (lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  }

  render(): string {
    const lines: string[] = [
      '# HELP berth_http_requests_total HTTP requests by route, method and status.',
      '# TYPE berth_http_requests_total counter',
    ];
    for (const [labels, value] of this.requests) lines.push(`berth_http_requests_total{${labels}} ${value}`);
    lines.push(
      '# HELP berth_http_request_duration_seconds Request latency by route and method.',
      '# TYPE berth_http_request_duration_seconds histogram',
    );
    for (const [labels, h] of this.latency) {
      LATENCY_BUCKETS.forEach((le, i) => lines.push(`berth_http_request_duration_seconds_bucket{${labels},le="${le}"} ${h.buckets[i]}`));
      lines.push(`berth_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      lines.push(`berth_http_request_duration_seconds_sum{${labels}} ${h.sum}`);
      lines.push(`berth_http_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    lines.push(
      '# HELP berth_http_received_bytes_total Request body bytes received.',
      '# TYPE berth_http_received_bytes_total counter',
      `berth_http_received_bytes_total ${this.bytesIn}`,
      '# HELP berth_http_sent_bytes_total Response body bytes sent.',
      '# TYPE berth_http_sent_bytes_total counter',
      `berth_http_sent_bytes_total ${this.bytesOut}`,
    );
    for (const [name, gauge] of this.gauges) {
      lines.push(`# HELP ${name} ${gauge.help}`, `# TYPE ${name} ${gauge.type}`, `${name} ${gauge.read()}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}
