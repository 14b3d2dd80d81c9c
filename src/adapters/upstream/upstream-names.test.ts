import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { upstreamAddress, upstreamRepository } from './upstream-names.js';

test('every spelling of Docker Hub is registry-1.docker.io, called docker.io', () => {
  for (const url of ['docker.io', 'https://docker.io', 'index.docker.io', 'https://registry-1.docker.io/', 'http://docker.io/v2/']) {
    assert.deepEqual(upstreamAddress(url), { origin: 'https://registry-1.docker.io', name: 'docker.io', dockerHub: true }, url);
  }
});

test('other registries keep their origin; a bare host means https', () => {
  assert.deepEqual(upstreamAddress('ghcr.io'), { origin: 'https://ghcr.io', name: 'ghcr.io', dockerHub: false });
  assert.deepEqual(upstreamAddress('http://127.0.0.1:5000'), { origin: 'http://127.0.0.1:5000', name: '127.0.0.1:5000', dockerHub: false });
});

test('URLs with credentials, paths or other schemes are refused with a reason', () => {
  assert.throws(() => upstreamAddress('https://u:p@ghcr.io'), /carries credentials/);
  assert.throws(() => upstreamAddress('https://ghcr.io/some/path'), /must be the registry's root/);
  assert.throws(() => upstreamAddress('ftp://ghcr.io'), /must use http or https/);
  assert.throws(() => upstreamAddress('https://'), /is not a URL/);
});

test("Docker Hub's one-component names get library/; nothing else changes", () => {
  const hub = upstreamAddress('docker.io');
  assert.equal(upstreamRepository(hub, 'nginx'), 'library/nginx');
  assert.equal(upstreamRepository(hub, 'library/nginx'), 'library/nginx');
  assert.equal(upstreamRepository(hub, 'bitnami/redis'), 'bitnami/redis');
  assert.equal(upstreamRepository(upstreamAddress('ghcr.io'), 'nginx'), 'nginx');
});
