import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics } from './metrics.js';
import { countersOf, mergeSnapshots } from './metrics-snapshot.js';

async function worker(requests: number, sessions: number, lastGcSeconds: number, proxyHits: number): Promise<Metrics> {
  const metrics = new Metrics();
  for (let i = 0; i < requests; i++) metrics.observeRequest('blob', 'GET', 200, 0.002, 0, 100);
  metrics.gauge('berth_upload_sessions_active', 'sessions', () => sessions);
  metrics.gauge('berth_gc_last_duration_seconds', 'last', () => lastGcSeconds, 'max');
  metrics.counter('berth_gc_runs_total', 'runs', () => 1);
  metrics.family('berth_proxy_requests_total', 'proxy', 'counter', async () => [{ labels: { upstream: 'hub', result: 'hit' }, value: proxyHits }], 'process');
  metrics.family('berth_project_usage_bytes', 'usage', 'gauge', async () => [{ labels: { project: 'team' }, value: 42 }]);
  return metrics;
}

test('a scrape adds every worker up: counters, histograms and gauges sum, max gauges take the largest, database families once', async () => {
  const a = await worker(3, 2, 1.5, 4);
  const b = await worker(5, 1, 0.5, 6);
  a.aggregate = async (own) => [own, await b.snapshot()];
  const text = await a.collect();
  assert.match(text, /^berth_http_requests_total\{route="blob",method="GET",status="200"\} 8$/m);
  assert.match(text, /^berth_http_request_duration_seconds_count\{route="blob",method="GET"\} 8$/m);
  assert.match(text, /^berth_http_sent_bytes_total 800$/m);
  assert.match(text, /^berth_upload_sessions_active 3$/m);
  assert.match(text, /^berth_gc_last_duration_seconds 1.5$/m);
  assert.match(text, /^berth_gc_runs_total 2$/m);
  assert.match(text, /^berth_proxy_requests_total\{upstream="hub",result="hit"\} 10$/m);
  assert.equal(text.match(/^berth_project_usage_bytes\{project="team"\} 42$/gm)?.length, 1, 'read once, not summed');
});

test('a worker that exited leaves its counters to the totals, not its gauges', async () => {
  const gone = await (await worker(2, 7, 9, 1)).snapshot();
  const kept = countersOf(gone);
  const merged = mergeSnapshots([await (await worker(1, 0, 0, 0)).snapshot(), kept]);
  assert.deepEqual(merged.requests, [['route="blob",method="GET",status="200"', 3]]);
  assert.equal(merged.values.find((v) => v.name === 'berth_upload_sessions_active')?.value, 0);
  assert.equal(merged.values.find((v) => v.name === 'berth_gc_runs_total')?.value, 2);
  assert.equal(merged.families.find((f) => f.name === 'berth_proxy_requests_total')?.samples[0]?.value, 1);
});
