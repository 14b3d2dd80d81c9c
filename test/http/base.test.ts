// GET /v2/: the version check every client starts with.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { client, expectError, expectStatus, type Client } from './support/http-client.js';

describe('base /v2/', () => {
  let server: TestServer;
  let c: Client;
  before(async () => {
    server = await startTestServer();
    c = client(server.url);
  });
  after(() => server.close());

  test('GET /v2/ answers 200 with the API version header and a JSON body', async () => {
    const reply = await c.get('/v2/');
    expectStatus(reply, 200);
    assert.equal(reply.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(JSON.parse(reply.text), {});
  });

  test('GET /v2 without the trailing slash is the same endpoint', async () => {
    const reply = await c.get('/v2');
    expectStatus(reply, 200);
    assert.equal(reply.headers.get('docker-distribution-api-version'), 'registry/2.0');
  });

  test('HEAD /v2/ answers 200 with the header and no body', async () => {
    const reply = await c.head('/v2/');
    expectStatus(reply, 200);
    assert.equal(reply.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.equal(reply.body.length, 0);
  });

  test('a query string does not change the version check', async () => {
    expectStatus(await c.get('/v2/?foo=bar'), 200);
  });

  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    test(`${method} /v2/ is 405 UNSUPPORTED with the envelope`, async () => {
      const reply = await c.request(method, '/v2/');
      expectError(reply, 405, 'UNSUPPORTED');
      assert.equal(reply.headers.get('docker-distribution-api-version'), 'registry/2.0');
    });
  }
});
