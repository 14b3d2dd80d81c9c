// Finding 14 (d) of issue 9: every small-body reader shares one capped reader, whose 413 said
// "manifest" whatever was sent. Each refusal must name what was too large.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { TestServer } from '../support/test-server.js';
import { ADMIN_PASSWORD, basic, startApiServer } from '../http/api/api-support.js';
import { OCI_MANIFEST } from '../http/support/content.js';
import { client, expectError } from '../http/support/http-client.js';

let server: TestServer;
before(async () => {
  server = await startApiServer();
});
after(() => server.close());

const big = (bytes: number) => 'x'.repeat(bytes);

test('/token: an oversize form is refused as a form, not as a manifest', async () => {
  const reply = await client(server.url).post('/token', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=password&username=admin&password=${big(70 * 1024)}`,
  });
  const error = expectError(reply, 413, 'SIZE_INVALID');
  assert.match(error.message, /token request form is larger than the 65536-byte limit/);
  assert.doesNotMatch(error.message, /manifest/);
});

test('/api/v1: an oversize JSON body is named as such', async () => {
  const reply = await client(server.url).post('/api/v1/users', {
    headers: { 'content-type': 'application/json', authorization: basic('admin', ADMIN_PASSWORD) },
    body: JSON.stringify({ name: 'x', password: big(70 * 1024) }),
  });
  const error = expectError(reply, 413, 'SIZE_INVALID');
  assert.match(error.message, /JSON request body is larger than the 65536-byte limit/);
});

test('/v2: an oversize manifest still says manifest', async () => {
  const reply = await client(server.url).put('/v2/limits/app/manifests/latest', {
    headers: { 'content-type': OCI_MANIFEST, authorization: basic('admin', ADMIN_PASSWORD) },
    body: big(4 * 1024 * 1024 + 1),
  });
  const error = expectError(reply, 413, 'SIZE_INVALID');
  assert.match(error.message, /manifest is larger than the 4194304-byte limit/);
});
