import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { WorkerThreadHashes } from './worker-thread-hashes.js';

const hashes = new WorkerThreadHashes();
after(() => hashes.close());

/** Feeds `chunks` as an upload would: waiting whenever update asks it to. */
async function feed(hash: { update(b: Uint8Array): void | Promise<void> }, chunks: Buffer[]): Promise<void> {
  for (const chunk of chunks) await hash.update(chunk);
}

test('the digest equals Node’s for bodies across many buffers, uneven chunks and both algorithms', async () => {
  const body = randomBytes(5 * 1024 * 1024 + 17);
  const chunks: Buffer[] = [];
  for (let at = 0, step = 1; at < body.length; at += step, step = (step * 7 + 13) % 70_000 || 1) chunks.push(body.subarray(at, at + step));
  for (const algorithm of ['sha256', 'sha512']) {
    const hash = hashes.start(algorithm);
    assert.ok(hash);
    await feed(hash, chunks);
    assert.equal(await hash.digest(), createHash(algorithm).update(body).digest('hex'));
  }
  const empty = hashes.start('sha256');
  assert.ok(empty);
  assert.equal(await empty.digest(), createHash('sha256').digest('hex'));
  assert.equal(hashes.start('md5'), undefined, 'only the digests uploads use');
  assert.equal(hashes.live, 0);
  assert.equal(await hashes.heldByThread(), 0);
});

test('the caller’s buffer may be reused as soon as update returns', async () => {
  const hash = hashes.start('sha256');
  assert.ok(hash);
  const reused = Buffer.alloc(64 * 1024);
  const expected = createHash('sha256');
  for (let i = 0; i < 40; i++) {
    reused.fill(i);
    expected.update(reused);
    await hash.update(reused);
  }
  assert.equal(await hash.digest(), expected.digest('hex'));
});

test('a fast feeder is made to wait: at most two buffers per hash are at the thread', async () => {
  const hash = hashes.start('sha256');
  assert.ok(hash);
  const MiB = Buffer.alloc(1024 * 1024, 1);
  assert.equal(hash.update(MiB), undefined, 'one buffer out');
  const second = hash.update(MiB);
  assert.ok(second instanceof Promise, 'the second buffer out asks the feeder to wait');
  await second;
  assert.equal(await hash.digest(), createHash('sha256').update(MiB).update(MiB).digest('hex'));
});

test('a disposed hash leaves nothing on either side, and cannot be fed again', async () => {
  const hash = hashes.start('sha256');
  assert.ok(hash);
  await feed(hash, [randomBytes(3 * 1024 * 1024)]);
  assert.equal(hashes.live, 1);
  hash.dispose();
  hash.dispose();
  assert.equal(hashes.live, 0);
  assert.equal(await hashes.heldByThread(), 0);
  assert.throws(() => hash.update(Buffer.from('x')), /after digest or dispose/);
  await assert.rejects(hash.digest(), /after digest or dispose/);
});

test('closing fails what is in progress; a new hash starts a new thread', async () => {
  const own = new WorkerThreadHashes();
  const hash = own.start('sha256');
  assert.ok(hash);
  await feed(hash, [randomBytes(1024)]);
  const pending = hash.digest();
  await own.close();
  // The thread may answer before it is stopped; what must not happen is a hang.
  await pending.then(
    (hex) => assert.equal(hex.length, 64),
    (error: Error) => assert.match(error.message, /closed|exited/),
  );
  const again = own.start('sha256');
  assert.ok(again);
  assert.equal(await again.digest(), createHash('sha256').digest('hex'));
  await own.close();
});
