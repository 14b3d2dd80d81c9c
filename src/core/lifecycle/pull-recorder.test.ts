import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { PullRecord } from '../../ports/metadata-usage.js';
import { PullRecorder } from './pull-recorder.js';

/** A store whose writes wait until the test lets them finish (or fail). */
class GatedStore {
  readonly written: PullRecord[][] = [];
  private gates: Array<{ open: () => void; fail: (error: Error) => void }> = [];
  inFlight = 0;
  maxInFlight = 0;

  recordPulls(records: PullRecord[]): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<void>((resolve, reject) => {
      this.gates.push({
        open: () => {
          this.inFlight--;
          this.written.push(records);
          resolve();
        },
        fail: (error) => {
          this.inFlight--;
          reject(error);
        },
      });
    });
  }

  async next(): Promise<{ open: () => void; fail: (error: Error) => void }> {
    for (let i = 0; i < 100 && this.gates.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    const gate = this.gates.shift();
    assert.ok(gate, 'a write was expected');
    return gate;
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('one record per manifest, the newest time; a flush with nothing pending writes nothing', async () => {
  let ms = 1000;
  const store = new GatedStore();
  const recorder = new PullRecorder(store, () => new Date(ms));
  await recorder.flush();
  recorder.record('p/a', 'sha256:1');
  ms = 2000;
  recorder.record('p/a', 'sha256:1');
  recorder.record('p/b', 'sha256:1');
  const flushed = recorder.flush();
  (await store.next()).open();
  await flushed;
  assert.deepEqual(store.written, [
    [
      { repository: 'p/a', digest: 'sha256:1', at: new Date(2000) },
      { repository: 'p/b', digest: 'sha256:1', at: new Date(2000) },
    ],
  ]);
});

test('a flush resolves only once everything recorded before it is written, one write at a time', async () => {
  const store = new GatedStore();
  const recorder = new PullRecorder(store, () => new Date(0));
  recorder.record('p/a', 'sha256:1');
  const first = recorder.flush();
  const firstWrite = await store.next();
  recorder.record('p/a', 'sha256:2');
  let secondDone = false;
  let thirdDone = false;
  const second = recorder.flush().then(() => (secondDone = true));
  const third = recorder.flush().then(() => (thirdDone = true));
  firstWrite.open();
  await first;
  const secondWrite = await store.next();
  await tick();
  assert.equal(secondDone || thirdDone, false, 'sha256:2 is not written yet');
  secondWrite.open();
  await Promise.all([second, third]);
  assert.deepEqual(store.written.map((batch) => batch.map((r) => r.digest)), [['sha256:1'], ['sha256:2']]);
  assert.equal(store.maxInFlight, 1);
});

test('a failed write is put back for the next flush and fails only the flush that made it', async () => {
  const store = new GatedStore();
  const recorder = new PullRecorder(store, () => new Date(0));
  recorder.record('p/a', 'sha256:1');
  const failing = recorder.flush();
  const write = await store.next();
  recorder.record('p/a', 'sha256:2');
  const waiting = recorder.flush();
  write.fail(new Error('database is locked'));
  await assert.rejects(failing, /database is locked/);
  // The waiting flush writes what is pending now: the failed batch and the newer record.
  (await store.next()).open();
  await waiting;
  assert.deepEqual(store.written.map((batch) => batch.map((r) => r.digest).sort()), [['sha256:1', 'sha256:2']]);
});

test('with a write-through window, the first pull of a manifest in it is written at once and the caller waits; later ones are batched', async () => {
  let ms = 0;
  const store = new GatedStore();
  const recorder = new PullRecorder(store, () => new Date(ms), { writeThroughAfterMs: 1000 });
  let done = false;
  const first = Promise.resolve(recorder.record('p/a', 'sha256:1')).then(() => (done = true));
  const write = await store.next();
  await tick();
  assert.equal(done, false, 'the pull waits for its stamp');
  write.open();
  await first;
  ms = 500;
  assert.equal(recorder.record('p/a', 'sha256:1'), undefined, 'inside the window: batched');
  ms = 1500;
  const again = recorder.record('p/a', 'sha256:1');
  assert.ok(again instanceof Promise, 'past the window: written at once again');
  (await store.next()).open();
  await again;
  const flushed = recorder.flush();
  (await store.next()).open();
  await flushed;
  assert.deepEqual(store.written.map((batch) => batch.map((r) => r.at.getTime())), [[0], [1500], [500]]);
});

test('a write-through that fails is batched, and the pull is not failed for it', async () => {
  const store = new GatedStore();
  const recorder = new PullRecorder(store, () => new Date(7), { writeThroughAfterMs: 1000 });
  const pulled = recorder.record('p/a', 'sha256:1');
  (await store.next()).fail(new Error('connection refused'));
  await pulled;
  const flushed = recorder.flush();
  (await store.next()).open();
  await flushed;
  assert.deepEqual(store.written, [[{ repository: 'p/a', digest: 'sha256:1', at: new Date(7) }]]);
});
