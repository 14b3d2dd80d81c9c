// Operator endpoints: liveness, readiness and the Prometheus scrape.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { randomBlob, uniqueRepo } from './support/content.js';
import { client, eventually, expectError, expectStatus, json, type Client } from './support/http-client.js';
import { pushBlob, pushImage } from './support/push.js';

/** The value of one `berth_http_requests_total` series, 0 when absent. */
function requestsTotal(metrics: string, labels: { route: string; method: string; status: number }): number {
  const series = `berth_http_requests_total{route="${labels.route}",method="${labels.method}",status="${labels.status}"}`;
  return sample(metrics, series);
}

function sample(metrics: string, series: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('ops endpoints', () => {
  let server: TestServer;
  let c: Client;
  before(async () => {
    server = await startTestServer();
    c = client(server.url);
  });
  after(() => server.close());

  // Counters are per process: each instance is scraped and the series summed, as a Prometheus
  // `sum` over a deployment's instances would (one server: one scrape).
  const scrapes = () => Promise.all(server.instanceUrls.map((url) => client(url).get('/metrics')));
  const summed = async (value: (metrics: string) => number) => (await scrapes()).reduce((sum, r) => sum + value(r.text), 0);

  test('/healthz is 200 {status: ok}', async () => {
    const reply = await c.get('/healthz');
    expectStatus(reply, 200);
    assert.deepEqual(json(reply), { status: 'ok' });
  });

  test('/readyz is 200 once the stores answer', async () => {
    const reply = await c.get('/readyz');
    expectStatus(reply, 200);
    assert.deepEqual(json(reply), { status: 'ready', checks: { database: 'ok', objectStore: 'ok' } });
  });

  test('/metrics is Prometheus text with the request counter labelled by route', async () => {
    const repo = uniqueRepo('ops');
    await pushImage(c, repo, 'v1');
    expectStatus(await c.get(`/v2/${repo}/manifests/v1`), 200);
    expectError(await c.get(`/v2/${repo}/manifests/nope`), 404, 'MANIFEST_UNKNOWN');
    await eventually(async () => {
      assert.ok((await summed((m) => requestsTotal(m, { route: 'manifest', method: 'GET', status: 404 }))) >= 1);
    });
    expectStatus(await c.get('/metrics'), 200, 'served through the front door too');
    for (const reply of await scrapes()) {
      expectStatus(reply, 200);
      assert.match(reply.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(reply.text, /^# TYPE berth_http_requests_total counter$/m);
      assert.match(reply.text, /^berth_upload_sessions_active \d+$/m);
    }
    assert.ok((await summed((m) => requestsTotal(m, { route: 'manifest', method: 'PUT', status: 201 }))) >= 1);
    assert.ok((await summed((m) => requestsTotal(m, { route: 'manifest', method: 'GET', status: 200 }))) >= 1);
    assert.ok((await summed((m) => requestsTotal(m, { route: 'upload-start', method: 'POST', status: 201 }))) >= 2);
    const durations = (await scrapes()).map((r) => r.text).join('\n');
    assert.match(durations, /^berth_http_request_duration_seconds_count\{route="manifest",method="GET"\} \d+$/m);
  });

  test('the counter moves by exactly one per request', async () => {
    const labels = { route: 'blob', method: 'HEAD', status: 200 };
    const repo = uniqueRepo('ops');
    const digest = await pushBlob(c, repo, randomBlob(16));
    const before = await summed((m) => requestsTotal(m, labels));
    expectStatus(await c.head(`/v2/${repo}/blobs/${digest}`), 200);
    await eventually(async () => {
      assert.equal(await summed((m) => requestsTotal(m, labels)), before + 1);
    });
  });

  test('the received-bytes counter counts a pushed body', async () => {
    const read = () =>
      summed((metrics) => {
        assert.match(metrics, /^berth_http_received_bytes_total \d+$/m, 'received bytes counter present');
        return sample(metrics, 'berth_http_received_bytes_total');
      });
    const beforeBytes = await read();
    await pushBlob(c, uniqueRepo('ops'), Buffer.alloc(4096, 7));
    await eventually(async () => assert.ok((await read()) >= beforeBytes + 4096));
  });
});
