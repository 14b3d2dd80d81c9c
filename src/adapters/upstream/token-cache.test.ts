import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { TokenCache, usableFor } from './token-cache.js';

test('a token is reused until expires_in minus 10% (at most 30 s), then fetched again', async () => {
  let now = 1_000_000;
  const cache = new TokenCache(() => now);
  let fetched = 0;
  const fetch = async () => ({ token: `t${++fetched}`, expiresIn: 60 });
  assert.equal(await cache.obtain('scope', fetch), 't1');
  now += 53_000;
  assert.equal(await cache.obtain('scope', fetch), 't1');
  now += 1_000;
  assert.equal(await cache.obtain('scope', fetch), 't2');
  assert.equal(usableFor(600), 570_000);
});

test('concurrent requests for one key share one fetch; other keys fetch their own', async () => {
  const cache = new TokenCache();
  let fetched = 0;
  let release!: () => void;
  const gate = new Promise<void>((ok) => (release = ok));
  const fetch = async () => {
    fetched += 1;
    await gate;
    return { token: `t${fetched}`, expiresIn: 300 };
  };
  const waiting = [cache.obtain('a', fetch), cache.obtain('a', fetch), cache.obtain('b', fetch)];
  release();
  assert.deepEqual(await Promise.all(waiting), ['t2', 't2', 't2']);
  assert.equal(fetched, 2);
});

test("a waiter's abort stops its wait, not the shared fetch; a failed fetch is not cached", async () => {
  const cache = new TokenCache();
  let release!: () => void;
  const gate = new Promise<void>((ok) => (release = ok));
  const controller = new AbortController();
  const first = cache.obtain('a', async () => (await gate, { token: 'shared', expiresIn: 300 }), controller.signal);
  const second = cache.obtain('a', async () => ({ token: 'unused', expiresIn: 300 }));
  controller.abort(new Error('gone'));
  await assert.rejects(first, /gone/);
  release();
  assert.equal(await second, 'shared');
  await assert.rejects(cache.obtain('b', async () => Promise.reject(new Error('refused'))), /refused/);
  assert.equal(await cache.obtain('b', async () => ({ token: 'later', expiresIn: 300 })), 'later');
});

test('a dropped token is fetched again', async () => {
  const cache = new TokenCache();
  assert.equal(await cache.obtain('a', async () => ({ token: 'old', expiresIn: 300 })), 'old');
  cache.drop('a', 'old');
  assert.equal(await cache.obtain('a', async () => ({ token: 'new', expiresIn: 300 })), 'new');
});
