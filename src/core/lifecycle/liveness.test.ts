// What youth protects, normally and under `berth gc --now`.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ManifestNode } from '../../ports/metadata-lifecycle.js';
import { isYoung } from './liveness.js';

const HOUR = 3_600_000;
const now = Date.UTC(2030, 0, 1);
const grace = { cutoff: now - HOUR, purge: false };
const purge = { cutoff: now - HOUR, purge: true };

function node(parts: Partial<ManifestNode>): ManifestNode {
  return {
    repository: 'a/b',
    digest: 'sha256:x',
    createdAt: new Date(now - 60_000),
    subject: undefined,
    tagged: false,
    restorable: false,
    candidateSince: undefined,
    parents: [],
    referrers: [],
    ...parts,
  };
}

test('the grace period protects anything created or unreferenced within it', () => {
  assert.equal(isYoung(node({}), grace), true);
  assert.equal(isYoung(node({ createdAt: new Date(now - 2 * HOUR) }), grace), false);
  assert.equal(isYoung(node({ createdAt: new Date(now - 2 * HOUR), candidateSince: new Date(now - 60_000) }), grace), true);
});

test('--now keeps the grace only for what a push may still build on', () => {
  const created = new Date(now - 120_000);
  // Pushed untagged a moment ago, nothing built on it: a child before its index, say.
  assert.equal(isYoung(node({ createdAt: created, candidateSince: created }), purge), true);
  assert.equal(isYoung(node({ createdAt: created }), purge), true);
  // Lost its tag after it was pushed: deleted, not in flight.
  assert.equal(isYoung(node({ createdAt: created, candidateSince: new Date(now - 60_000) }), purge), false);
  // An index lists it, or it is a referrer: the push that needed it is done.
  assert.equal(isYoung(node({ createdAt: created, parents: ['sha256:i'] }), purge), false);
  assert.equal(isYoung(node({ createdAt: created, subject: 'sha256:s' }), purge), false);
  // Old is old either way.
  assert.equal(isYoung(node({ createdAt: new Date(now - 2 * HOUR) }), purge), false);
});
