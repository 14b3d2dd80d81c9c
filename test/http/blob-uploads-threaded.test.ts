// Long upload bodies are hashed on the hashing thread (one process): the digest check, the
// refusal of a wrong digest and a client dying mid-body must look exactly as with the inline
// hash, and nothing may stay held by the thread afterwards. The gauge
// berth_upload_hashes_off_thread shows which path a body took.
import { strict as assert } from 'node:assert';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OFF_THREAD_MIN_BYTES } from '../../src/core/registry/upload-service.js';
import { embeddedOnly } from '../support/stack-mode.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { randomBlob, sha256, uniqueRepo } from './support/content.js';
import { client, expectError, expectStatus, type Client } from './support/http-client.js';
import { startUpload, withDigest } from './support/push.js';
import { truncatedRequest } from './support/raw-http.js';

const BIG = OFF_THREAD_MIN_BYTES * 3;
const skip = embeddedOnly('the hashing thread exists only in one process owning its uploads');

describe('long upload bodies hashed off the socket thread', { skip }, () => {
  let server: TestServer;
  let c: Client;
  before(async () => {
    server = await startTestServer();
    c = client(server.url);
  });
  after(() => server.close());

  const heldOffThread = async (): Promise<number> => {
    const reply = await c.get('/metrics');
    expectStatus(reply, 200, 'metrics');
    const match = /^berth_upload_hashes_off_thread (\d+)$/m.exec(reply.text);
    assert.ok(match, 'the gauge is exported');
    return Number(match[1]);
  };
  const stagedBytes = async (): Promise<number> => {
    const dir = join(server.root, 'uploads');
    let total = 0;
    for (const name of await readdir(dir).catch(() => [] as string[])) total += (await stat(join(dir, name))).size;
    return total;
  };

  test('a long body is accepted under its digest and served back whole', async () => {
    const repo = uniqueRepo('thr');
    const bytes = randomBlob(BIG + 12345);
    const digest = sha256(bytes);
    const location = await startUpload(c, repo);
    const reply = await c.put(withDigest(location, digest), { body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expectStatus(reply, 201, 'PUT with the whole blob');
    assert.equal(reply.headers.get('docker-content-digest'), digest);
    const got = await c.get(`/v2/${repo}/blobs/${digest}`);
    expectStatus(got, 200, 'GET');
    assert.equal(sha256(got.body), digest);
    assert.equal(got.body.length, bytes.length);
    assert.equal(await heldOffThread(), 0);
  });

  test('chunks continue one hash on the thread; a short PATCH is hashed inline', async () => {
    const repo = uniqueRepo('thr');
    const bytes = randomBlob(BIG);
    const digest = sha256(bytes);
    let location = await startUpload(c, repo);
    const first = bytes.subarray(0, OFF_THREAD_MIN_BYTES);
    let reply = await c.patch(location, { body: first, headers: { 'content-type': 'application/octet-stream' } });
    expectStatus(reply, 202, 'first PATCH');
    assert.equal(await heldOffThread(), 1, 'a PATCH of the threshold starts a hash on the thread');
    location = reply.headers.get('location') ?? '';
    reply = await c.patch(location, { body: bytes.subarray(OFF_THREAD_MIN_BYTES), headers: { 'content-type': 'application/octet-stream' } });
    expectStatus(reply, 202, 'second PATCH');
    location = reply.headers.get('location') ?? '';
    expectStatus(await c.put(withDigest(location, digest)), 201, 'closing PUT');
    assert.equal(await heldOffThread(), 0, 'the digest spends the hash');

    const small = randomBlob(OFF_THREAD_MIN_BYTES - 1);
    const smallLocation = await startUpload(c, repo);
    reply = await c.patch(smallLocation, { body: small, headers: { 'content-type': 'application/octet-stream' } });
    expectStatus(reply, 202, 'short PATCH');
    assert.equal(await heldOffThread(), 0, 'below the threshold nothing goes to the thread');
    expectStatus(await c.put(withDigest(reply.headers.get('location') ?? '', sha256(small))), 201, 'closing PUT');
  });

  test('a wrong digest is 400 DIGEST_INVALID, and neither blob nor hash is left', async () => {
    const repo = uniqueRepo('thr');
    const bytes = randomBlob(BIG);
    const claimed = sha256(Buffer.concat([bytes, Buffer.from('x')]));
    const location = await startUpload(c, repo);
    const reply = await c.put(withDigest(location, claimed), { body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    const error = expectError(reply, 400, 'DIGEST_INVALID');
    assert.match(error.message, /did not match/);
    expectError(await c.get(`/v2/${repo}/blobs/${claimed}`), 404, 'BLOB_UNKNOWN');
    expectError(await c.get(`/v2/${repo}/blobs/${sha256(bytes)}`), 404, 'BLOB_UNKNOWN');
    assert.equal(await heldOffThread(), 0);
    assert.equal(await stagedBytes(), 0, 'the session and its staged bytes are gone');
  });

  test('a client dying mid-body leaves no blob, no staged bytes and no hash on the thread', async () => {
    const repo = uniqueRepo('thr');
    const bytes = randomBlob(BIG);
    const digest = sha256(bytes);
    const location = await startUpload(c, repo);
    await truncatedRequest(server.url, 'PUT', withDigest(location, digest), bytes.length, bytes.subarray(0, OFF_THREAD_MIN_BYTES + 4096), {
      'Content-Type': 'application/octet-stream',
    });
    // The server notices the cut on its own schedule; poll what a client can see.
    for (let i = 0; i < 100 && ((await heldOffThread()) !== 0 || (await stagedBytes()) !== 0); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await heldOffThread(), 0);
    assert.equal(await stagedBytes(), 0, 'the partial body is rolled back');
    expectError(await c.get(`/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    // The session is still usable from its start: the whole blob then goes through.
    const reply = await c.put(withDigest(location, digest), { body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expectStatus(reply, 201, 'the retried PUT');
    assert.equal(await heldOffThread(), 0);
  });
});
