import assert from 'node:assert/strict';
import { test } from 'node:test';
import { didYouMean } from './did-you-mean.js';

const top = ['version', 'log', 'storage', 'http', 'auth', 'notifications', 'redis', 'health'];

test('suggests the nearest key for swaps, typos, case and truncation', () => {
  assert.equal(didYouMean('htpp', top), 'http');
  assert.equal(didYouMean('storag', top), 'storage');
  assert.equal(didYouMean('Storage', top), 'storage');
  assert.equal(didYouMean('notification', top), 'notifications');
  assert.equal(didYouMean('rootdir', ['rootdirectory', 'maxthreads']), 'rootdirectory');
});

test('suggests nothing when no key is close', () => {
  assert.equal(didYouMean('zzzzzz', top), undefined);
  assert.equal(didYouMean('db', top), undefined);
});
