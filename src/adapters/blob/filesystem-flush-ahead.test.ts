import assert from 'node:assert/strict';
import type { FileHandle } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { FlushAhead } from './filesystem-flush-ahead.js';

/** A handle whose fsync settles when the test says; records what was called, in order. */
function handle() {
  const calls: string[] = [];
  let finish!: (error?: Error) => void;
  const synced = new Promise<void>((resolve, reject) => (finish = (error) => (error ? reject(error) : resolve())));
  const fake = {
    sync: () => {
      calls.push('sync');
      return synced.then(() => void calls.push('synced'));
    },
    close: async () => void calls.push('close'),
  } as unknown as FileHandle;
  return { fake, calls, finish };
}

/** What a failing disk makes fsync reject with. */
const eio = () => Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });

describe('flush-ahead of staged uploads', () => {
  test('an upload with no flush is synced by the commit itself', async () => {
    assert.equal(await new FlushAhead().settled('u1'), false);
  });

  test('the commit waits for the flush in flight, then needs no fsync of its own; the handle is closed after it', async () => {
    const flushes = new FlushAhead();
    const h = handle();
    flushes.start('u1', h.fake);
    let answered = false;
    const settled = flushes.settled('u1').then((value) => ((answered = true), value));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(answered, false, 'not before the fsync returns');
    h.finish();
    assert.equal(await settled, true);
    assert.deepEqual(h.calls, ['sync', 'synced', 'close']);
    assert.equal(await flushes.settled('u1'), false, 'forgotten once durable');
  });

  test('bytes appended after a flush are not covered by it', async () => {
    const flushes = new FlushAhead();
    const h = handle();
    flushes.start('u1', h.fake);
    flushes.forget('u1');
    h.finish();
    assert.equal(await flushes.settled('u1'), false);
  });

  test('a failed flush fails the commit, and its retry, with the fsync error', async () => {
    const flushes = new FlushAhead();
    const h = handle();
    flushes.start('u1', h.fake);
    h.finish(eio());
    await assert.rejects(flushes.settled('u1'), { code: 'EIO' });
    await assert.rejects(flushes.settled('u1'), { code: 'EIO' }, 'a retried PUT must not fsync over lost bytes');
    assert.ok(h.calls.includes('close'), 'the handle is closed all the same');
  });
});

describe('flush-ahead: a failed flush is not lost to a later append', () => {
  test('the first append\'s flush fails after a second append began: the commit still fails with its error', async () => {
    const flushes = new FlushAhead();
    const h = handle();
    flushes.start('u1', h.fake);
    flushes.forget('u1');
    h.finish(eio());
    await assert.rejects(flushes.settled('u1'), { code: 'EIO' }, 'a fresh descriptor\'s fsync would not see the error again');
  });

  test('two flushes of one upload: the earlier one\'s failure wins even if the later one succeeds', async () => {
    const flushes = new FlushAhead();
    const first = handle();
    const second = handle();
    flushes.start('u1', first.fake);
    flushes.forget('u1');
    flushes.start('u1', second.fake);
    first.finish(eio());
    second.finish();
    await assert.rejects(flushes.settled('u1'), { code: 'EIO' });
    assert.ok(first.calls.includes('close') && second.calls.includes('close'), 'both handles are closed');
  });

  test('a dropped upload (aborted, or its staging file replaced) reports nothing', async () => {
    const flushes = new FlushAhead();
    const h = handle();
    flushes.start('u1', h.fake);
    flushes.drop('u1');
    h.finish(eio());
    assert.equal(await flushes.settled('u1'), false);
  });
});
