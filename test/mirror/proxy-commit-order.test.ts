// A proxied blob's response ends at its last verified byte, not after the cache's commit: a
// real `berth serve` on PostgreSQL, whose link table a test transaction holds in SHARE mode, so
// the fill cannot finish its metadata writes. The client must still get the whole blob; a second
// request meanwhile must not reach the upstream again; once the table is free the blob is cached.
// (Ending after the commit kept the engine's next layer on that connection waiting for it.)
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createScratchDatabase, type ScratchDatabase } from '../../src/adapters/metadata/testing/postgres-scratch.js';
import { berthAccounts } from '../e2e/support/berth-accounts.js';
import { startBerth, startDistribution, type RegistryProcess } from '../support/registry-process.js';

const blob = randomBytes(3 * 1024 * 1024 + 17);
const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
const blobPath = `/v2/hub/lib/app/blobs/${digest}`;

let database: ScratchDatabase;
let upstream: RegistryProcess;
let berth: RegistryProcess;

/** Blob GETs that reached the upstream, from its own access log. */
const upstreamBlobGets = () => (upstream.output().match(new RegExp(`"GET /v2/lib/app/blobs/${digest} `, 'g')) ?? []).length;

/** GET on `agent` (one keep-alive connection), failing after `timeoutMs`; status and body. */
function get(agent: http.Agent, path: string, timeoutMs: number): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${berth.url}${path}`, { agent, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${path}: no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}

async function getBlob(): Promise<Buffer> {
  const response = await fetch(`${berth.url}${blobPath}`, { signal: AbortSignal.timeout(20_000) });
  assert.equal(response.status, 200, await response.clone().text().catch(() => ''));
  return Buffer.from(await response.arrayBuffer());
}

before(async () => {
  database = await createScratchDatabase('proxyorder');
  upstream = await startDistribution({ accessLog: true });
  const start = await fetch(`${upstream.url}/v2/lib/app/blobs/uploads/`, { method: 'POST' });
  assert.equal(start.status, 202);
  const location = new URL(start.headers.get('location')!, upstream.url);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: blob, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(put.status, 201);
  berth = await startBerth({ env: { BERTH_DATABASE_URL: database.url } });
  // The CLI must write to the server's database; berthAccounts takes the environment as it is.
  process.env.BERTH_DATABASE_URL = database.url;
  const cli = berthAccounts(berth.root).cli;
  await cli(['project', 'create', 'hub', '--public', '--proxy', upstream.url]);
});

after(async () => {
  await berth?.stop();
  await upstream?.stop();
  await database?.drop();
});

test('the client gets the whole blob while the cache commit is blocked; a request meanwhile joins the fill', async () => {
  const locker = new pg.Client({ connectionString: database.url });
  await locker.connect();
  const oneConnection = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let locked = true;
  try {
    await locker.query('BEGIN');
    // SHARE blocks the fill's INSERT into repository_blobs (linkBlob) but not the reads before it.
    await locker.query('LOCK TABLE repository_blobs IN SHARE MODE');
    const first = await get(oneConnection, blobPath, 20_000);
    assert.equal(first.status, 200);
    assert.ok(first.body.equals(blob), 'the bytes are the upstream blob');
    assert.equal(upstreamBlobGets(), 1);
    // The engine's next request on that connection is answered now, not after the commit.
    const next = await get(oneConnection, '/v2/', 5_000);
    assert.equal(next.status, 200);
    const second = getBlob();
    // Long enough for the second request to reach the fill (and, were it not joined, the upstream).
    await new Promise((resolve) => setTimeout(resolve, 500));
    await locker.query('COMMIT');
    locked = false;
    assert.ok((await second).equals(blob));
    assert.equal(upstreamBlobGets(), 1, 'one upstream GET for the uncached blob');
    const cached = await getBlob();
    assert.ok(cached.equals(blob));
    assert.equal(upstreamBlobGets(), 1, 'served from the cache afterwards');
  } finally {
    if (locked) await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end();
    oneConnection.destroy();
  }
});
