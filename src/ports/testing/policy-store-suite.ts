/**
 * The PolicyStore contract as a test suite, run by every adapter. The harness hands over a
 * migrated store; project names carry a per-run prefix so a shared database is harmless.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { PolicyStore } from '../policy-store.js';

export interface PolicyStoreHarness {
  store: PolicyStore;
  teardown(): Promise<void>;
}

export function policyStoreConformance(name: string, build: () => Promise<PolicyStoreHarness>): void {
  describe(`PolicyStore conformance: ${name}`, () => {
    let harness: PolicyStoreHarness | undefined;
    const prefix = `p${randomBytes(4).toString('hex')}`;
    const store = (): PolicyStore => {
      assert.ok(harness, 'harness not built');
      return harness.store;
    };

    before(async () => {
      harness = await build();
    });
    after(async () => {
      await harness?.teardown();
    });

    test('a project without a policy has none', async () => {
      assert.equal(await store().get(`${prefix}-none`), undefined);
    });

    test('set then get returns the policy, patterns in order', async () => {
      const project = `${prefix}-team`;
      await store().set(project, { writePolicy: 'disallow-redeploy', immutableTags: ['v*', 'release-?'] });
      assert.deepEqual(await store().get(project), { writePolicy: 'disallow-redeploy', immutableTags: ['v*', 'release-?'] });
    });

    test('set replaces the whole policy, and projects are independent', async () => {
      const a = `${prefix}-a`;
      const b = `${prefix}-b`;
      await store().set(a, { writePolicy: 'read-only', immutableTags: ['x'] });
      await store().set(b, { writePolicy: 'allow-redeploy', immutableTags: [] });
      await store().set(a, { writePolicy: 'allow-redeploy', immutableTags: [] });
      assert.deepEqual(await store().get(a), { writePolicy: 'allow-redeploy', immutableTags: [] });
      assert.deepEqual(await store().get(b), { writePolicy: 'allow-redeploy', immutableTags: [] });
    });

    test('project names are exact keys (no case folding, no prefix match)', async () => {
      const project = `${prefix}-Case`;
      await store().set(project, { writePolicy: 'read-only', immutableTags: [] });
      assert.equal(await store().get(project.toLowerCase()), undefined);
      assert.equal(await store().get(`${prefix}-Cas`), undefined);
    });
  });
}
