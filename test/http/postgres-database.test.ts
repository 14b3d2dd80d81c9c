// `database.url`: the registry served from PostgreSQL, what /readyz says when the database goes
// away, and what a start says when it cannot connect (one line, never the password).
import { strict as assert } from 'node:assert';
import { tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import pg from 'pg';
import { adminUrl, createScratchDatabase } from '../../src/adapters/metadata/testing/postgres-scratch.js';
import { openMetadataDatabase } from '../../src/compose/metadata-database.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import type { BerthConfig } from '../../src/config/config.js';
import { startTestServer, testConfig } from '../support/test-server.js';
import { uniqueRepo } from './support/content.js';
import { client, expectStatus, json } from './support/http-client.js';
import { pushImage } from './support/push.js';

function withUrl(url: string): BerthConfig {
  const base = testConfig(tmpdir());
  return { ...base, database: { ...base.database, url, connectTimeoutSeconds: 3 } };
}

async function startFailure(url: string): Promise<string> {
  try {
    const stores = await openMetadataDatabase(withUrl(url));
    await stores.close();
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail(`opening ${url} succeeded`);
}

describe('PostgreSQL as the metadata database', () => {
  test('a push and pull go through PostgreSQL; /readyz names each dependency and turns 503 when the database is gone', async () => {
    const server = await startTestServer({ database: 'postgres' });
    try {
      const c = client(server.url);
      const repo = uniqueRepo('pg');
      const image = await pushImage(c, repo, 'v1');
      const pulled = await c.get(`/v2/${repo}/manifests/v1`, { headers: { accept: image.mediaType } });
      expectStatus(pulled, 200);
      assert.deepEqual(pulled.body, image.body);
      assert.deepEqual(json(await c.get('/readyz')), { status: 'ready', checks: { database: 'ok', objectStore: 'ok' } });

      // Dropped with its connections: what a lost database looks like to the pool.
      const url = new URL(server.databaseUrl ?? assert.fail('no database URL'));
      const maintenance = new pg.Client({ connectionString: adminUrl() });
      await maintenance.connect();
      await maintenance.query(`drop database "${url.pathname.slice(1)}" with (force)`);
      await maintenance.end();

      // Fetched directly: the test client treats every 5xx as a failure, and this one is the point.
      const reply = await fetch(`${server.url}/readyz`);
      assert.equal(reply.status, 503);
      const body = (await reply.json()) as { status: string; reason: string; checks: Record<string, string> };
      assert.equal(body.status, 'unavailable');
      assert.deepEqual(body.checks, { database: 'unavailable', objectStore: 'ok' });
      // Which dependency, never why: the reason (host, database name) goes to the log only.
      assert.equal(body.reason, 'database unavailable');
    } finally {
      await server.close();
    }
  });

  test('nothing listening: one line naming the server, the password replaced', async () => {
    const message = await startFailure('postgres://berth:s3cret-pw@127.0.0.1:1/berth?password=also-secret');
    assert.match(message, /^cannot connect to the metadata database postgres:\/\/berth:\*\*\*@127\.0\.0\.1:1\/berth: nothing listens there \(is PostgreSQL running\?\); check database\.url \(BERTH_DATABASE_URL\)$/);
    assert.doesNotMatch(message, /s3cret|also-secret/);
  });

  test('a database that does not exist is named as such', async () => {
    const scratch = await createScratchDatabase('absent');
    await scratch.drop();
    const message = await startFailure(scratch.url);
    assert.match(message, /: the database does not exist; create it \(createdb\) or check database\.url/);
    assert.doesNotMatch(message, /\n/);
  });

  test('BERTH_DATABASE_URL sets database.url; another scheme is a problem that does not echo the value', () => {
    const ok = resolveConfig({ env: { BERTH_DATABASE_URL: 'postgres://u:p@db:5432/berth', BERTH_DATABASE_POOLSIZE: '4' }, cwd: tmpdir() });
    assert.ok(ok.ok);
    assert.equal(ok.config.database.url, 'postgres://u:p@db:5432/berth');
    assert.equal(ok.config.database.poolSize, 4);
    assert.equal(ok.config.database.statementTimeoutSeconds, 30);

    const defaults = resolveConfig({ env: {}, cwd: tmpdir() });
    assert.ok(defaults.ok);
    assert.equal(defaults.config.database.url, undefined);

    const bad = resolveConfig({ env: { BERTH_DATABASE_URL: 'mysql://u:hunter2@db/berth' }, cwd: tmpdir() });
    assert.ok(!bad.ok);
    assert.equal(bad.problems.length, 1);
    assert.match(bad.problems[0]!, /BERTH_DATABASE_URL.*expected a postgres:\/\/ or postgresql:\/\/ URL, got one starting "mysql:"/);
    assert.doesNotMatch(bad.problems[0]!, /hunter2/);
  });
});
