/**
 * Issue 9, finding 5, on the API: one password rule (at least 12 characters, at most 72 bytes
 * of UTF-8, not only whitespace) for creating a user and changing a password; a refusal is a
 * 400 envelope stating the rule and changes nothing. A password of exactly 72 bytes works.
 */
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { TestServer } from '../../support/test-server.js';
import { expectError, expectStatus } from '../support/http-client.js';
import { adminApi, api, basic, startApiServer, type Api } from './api-support.js';

let server: TestServer;
let admin: Api;
before(async () => {
  server = await startApiServer();
  admin = await adminApi(server);
});
after(() => server.close());

const RULE = /at least 12 characters, at most 72 bytes of UTF-8, and not only whitespace/;

test('creating a user refuses a short, blank or over-long password with 400 stating the rule', async () => {
  for (const password of ['abc', 'eleven char', ' '.repeat(12), '\t'.repeat(20), 'é'.repeat(37), 'x'.repeat(73)]) {
    const error = expectError(await admin.send('POST', '/api/v1/users', { name: 'wendy', password }), 400, 'BAD_REQUEST');
    assert.match(error.message, RULE, JSON.stringify(password));
    expectError(await admin.get('/api/v1/users/wendy'), 404, 'NOT_FOUND');
  }
});

test('72 bytes are accepted and sign in; the 73-byte variant of it does not', async () => {
  const password = 'é'.repeat(36);
  expectStatus(await admin.send('POST', '/api/v1/users', { name: 'xena', password }), 201);
  expectStatus(await api(server, basic('xena', password)).get('/api/v1/me'), 200);
  expectError(await api(server, basic('xena', `${password}x`)).get('/api/v1/me'), 401, 'UNAUTHORIZED');
});

test('changing a password applies the rule and leaves the old one working when refused', async () => {
  expectStatus(await admin.send('POST', '/api/v1/users', { name: 'yuri', password: 'yuri password' }), 201);
  const yuri = api(server, basic('yuri', 'yuri password'));
  const long = `${'p'.repeat(72)}tail`;
  const error = expectError(await yuri.send('PATCH', '/api/v1/users/yuri', { password: long, currentPassword: 'yuri password' }), 400, 'BAD_REQUEST');
  assert.match(error.message, /too long \(76 bytes/);
  expectError(await admin.send('PATCH', '/api/v1/users/yuri', { password: ' '.repeat(16) }), 400, 'BAD_REQUEST');
  expectStatus(await yuri.get('/api/v1/me'), 200, 'the old password still works');
  expectError(await api(server, basic('yuri', 'p'.repeat(72))).get('/api/v1/me'), 401, 'UNAUTHORIZED');
});
