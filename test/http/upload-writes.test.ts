// What a push writes to the metadata store (issue 14): a completing PUT that carries the bytes
// records its size with the digest claim, one transaction, instead of advancing the session
// first; a PATCH still advances on its own, since the session goes on after it.
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import type { UploadAdvance } from '../../src/ports/metadata-store.js';
import { randomBlob, sha256, uniqueRepo } from './support/content.js';
import { client, expectStatus } from './support/http-client.js';
import { startUpload, withDigest } from './support/push.js';
import { makeRoot, startServerOnRoot, type ServerOnRoot } from './support/server-on-root.js';

const octets = { 'content-type': 'application/octet-stream' };

interface Calls {
  advances: Array<[number, number]>;
  claims: Array<UploadAdvance | undefined>;
}

/** Records the session writes the upload service makes, passing each through. */
function watchSessionWrites(server: ServerOnRoot): Calls {
  const metadata = server.registry.deps.metadata;
  const calls: Calls = { advances: [], claims: [] };
  const advance = metadata.advanceUpload.bind(metadata);
  const claim = metadata.claimUpload.bind(metadata);
  metadata.advanceUpload = (id, from, to, options) => {
    calls.advances.push([from, to]);
    return advance(id, from, to, options);
  };
  metadata.claimUpload = (id, digest, options) => {
    calls.claims.push(options?.advance);
    return claim(id, digest, options);
  };
  return calls;
}

describe('upload session writes', () => {
  test('POST then PUT with the body: no separate advance, the claim carries the size', async () => {
    const { root, remove } = await makeRoot();
    const server = await startServerOnRoot(root);
    try {
      const calls = watchSessionWrites(server);
      const c = client(server.url);
      const repo = uniqueRepo('writes');
      const bytes = randomBlob(300_000);
      const digest = sha256(bytes);
      const location = await startUpload(c, repo);
      expectStatus(await c.put(withDigest(location, digest), { headers: octets, body: bytes }), 201);
      assert.deepEqual(calls.advances, []);
      assert.deepEqual(calls.claims, [{ from: 0, to: bytes.length }]);
      const pulled = await c.get(`/v2/${repo}/blobs/${digest}`);
      expectStatus(pulled, 200);
      assert.ok(pulled.body.equals(bytes));
    } finally {
      await server.stop();
      await remove();
    }
  });

  test('PATCH then PUT without a body: the PATCH advances, the claim has nothing to add', async () => {
    const { root, remove } = await makeRoot();
    const server = await startServerOnRoot(root);
    try {
      const calls = watchSessionWrites(server);
      const c = client(server.url);
      const repo = uniqueRepo('writes');
      const bytes = randomBlob(200_000);
      const digest = sha256(bytes);
      const location = await startUpload(c, repo);
      const patched = await c.patch(location, { headers: octets, body: bytes });
      expectStatus(patched, 202);
      expectStatus(await c.put(withDigest(patched.headers.get('location') ?? location, digest)), 201);
      assert.deepEqual(calls.advances, [[0, bytes.length]]);
      assert.deepEqual(calls.claims, [undefined]);
    } finally {
      await server.stop();
      await remove();
    }
  });

  test('a PUT whose body does not match its digest claims nothing and leaves no session', async () => {
    const { root, remove } = await makeRoot();
    const server = await startServerOnRoot(root);
    try {
      const calls = watchSessionWrites(server);
      const c = client(server.url);
      const repo = uniqueRepo('writes');
      const location = await startUpload(c, repo);
      const reply = await c.put(withDigest(location, sha256(Buffer.from('other'))), { headers: octets, body: randomBlob(1000) });
      expectStatus(reply, 400);
      assert.deepEqual([calls.advances, calls.claims], [[], []]);
      expectStatus(await c.get(location), 404);
    } finally {
      await server.stop();
      await remove();
    }
  });
});
