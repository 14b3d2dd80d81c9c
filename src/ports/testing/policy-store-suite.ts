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
      assert.deepEqual(await store().get(project), {
        writePolicy: 'disallow-redeploy',
        immutableTags: ['v*', 'release-?'],
        quotaBytes: undefined,
        retention: [],
      });
    });

    test('quota and retention rules round-trip, and list names every project with a policy', async () => {
      const project = `${prefix}-quota`;
      const retention = [
        { kind: 'keep-matching', pattern: 'v*' },
        { kind: 'keep-newest', count: 3, repositories: `${project}/app*` },
        { kind: 'not-pulled-for', days: 30 },
        { kind: 'untagged-older-than', days: 7 },
      ] as const;
      await store().set(project, { writePolicy: 'allow-redeploy', immutableTags: [], quotaBytes: 5 * 2 ** 30, retention: [...retention] });
      const got = await store().get(project);
      assert.equal(got?.quotaBytes, 5 * 2 ** 30);
      assert.deepEqual(got?.retention, retention);
      const listed = (await store().list()).find((p) => p.project === project);
      assert.deepEqual(listed?.policy, got);
      await store().set(project, { ...got!, quotaBytes: undefined });
      assert.equal((await store().get(project))?.quotaBytes, undefined);
    });

    test('set replaces the whole policy, and projects are independent', async () => {
      const a = `${prefix}-a`;
      const b = `${prefix}-b`;
      await store().set(a, { writePolicy: 'read-only', immutableTags: ['x'] });
      await store().set(b, { writePolicy: 'allow-redeploy', immutableTags: [] });
      await store().set(a, { writePolicy: 'allow-redeploy', immutableTags: [] });
      assert.deepEqual(await store().get(a), { writePolicy: 'allow-redeploy', immutableTags: [], quotaBytes: undefined, retention: [] });
      assert.deepEqual(await store().get(b), { writePolicy: 'allow-redeploy', immutableTags: [], quotaBytes: undefined, retention: [] });
    });

    test('project names are exact keys (no case folding, no prefix match)', async () => {
      const project = `${prefix}-Case`;
      await store().set(project, { writePolicy: 'read-only', immutableTags: [] });
      assert.equal(await store().get(project.toLowerCase()), undefined);
      assert.equal(await store().get(`${prefix}-Cas`), undefined);
    });
  });
}
