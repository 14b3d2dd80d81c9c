import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ProjectPolicy } from '../../ports/policy-store.js';
import { DeniedError } from '../errors.js';
import { checkManifestPush, checkTagDelete, checkWritable, tagPushIsRestricted } from './write-policy.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const repo = 'team/app';

function denied(run: () => void, rule: string, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof DeniedError, `expected DeniedError, got ${String(error)}`);
    assert.equal(error.kind, 'denied');
    assert.match(error.message, message);
    assert.equal((error.detail as { rule: string }).rule, rule);
    return true;
  });
}

test('no policy: everything allowed', () => {
  checkManifestPush(undefined, repo, 'latest', A, B);
  checkTagDelete(undefined, repo, 'v1');
  checkWritable(undefined, repo);
  assert.equal(tagPushIsRestricted(undefined, 'v1'), false);
});

test('allow-redeploy moves tags and deletes them', () => {
  const policy: ProjectPolicy = { writePolicy: 'allow-redeploy', immutableTags: [] };
  checkManifestPush(policy, repo, 'latest', A, B);
  checkManifestPush(policy, repo, undefined, undefined, B);
  checkTagDelete(policy, repo, 'latest');
  assert.equal(tagPushIsRestricted(policy, 'latest'), false);
});

test('disallow-redeploy: new tags and the identical digest pass; moving a tag is refused', () => {
  const policy: ProjectPolicy = { writePolicy: 'disallow-redeploy', immutableTags: [] };
  checkManifestPush(policy, repo, 'latest', undefined, A);
  checkManifestPush(policy, repo, 'latest', A, A);
  checkManifestPush(policy, repo, undefined, undefined, B);
  denied(() => checkManifestPush(policy, repo, 'latest', A, B), 'disallow-redeploy', /latest.*redeploy is disallowed/);
  checkTagDelete(policy, repo, 'latest');
  assert.equal(tagPushIsRestricted(policy, 'latest'), true);
});

test('immutable patterns: matching tags are pushed once and never moved or deleted; others are free', () => {
  const policy: ProjectPolicy = { writePolicy: 'allow-redeploy', immutableTags: ['v*'] };
  checkManifestPush(policy, repo, 'v1', undefined, A);
  checkManifestPush(policy, repo, 'v1', A, A);
  denied(() => checkManifestPush(policy, repo, 'v1', A, B), 'immutable-tag', /v1.*immutable.*"v\*".*moved/);
  denied(() => checkTagDelete(policy, repo, 'v1'), 'immutable-tag', /v1.*immutable.*"v\*".*deleted/);
  checkManifestPush(policy, repo, 'latest', A, B);
  checkTagDelete(policy, repo, 'latest');
  assert.equal(tagPushIsRestricted(policy, 'v1'), true);
  assert.equal(tagPushIsRestricted(policy, 'latest'), false);
});

test('read-only refuses every push, upload and delete, naming the repository and the rule', () => {
  const policy: ProjectPolicy = { writePolicy: 'read-only', immutableTags: [] };
  const message = /^repository team\/app is read-only \(project policy\); a project admin can allow writes: berth policy set team --write allow-redeploy$/;
  denied(() => checkManifestPush(policy, repo, 'latest', undefined, A), 'read-only', message);
  denied(() => checkManifestPush(policy, repo, 'latest', A, A), 'read-only', message);
  denied(() => checkManifestPush(policy, repo, undefined, undefined, A), 'read-only', message);
  denied(() => checkTagDelete(policy, repo, 'latest'), 'read-only', message);
  denied(() => checkTagDelete(policy, repo, undefined), 'read-only', message);
  denied(() => checkWritable(policy, repo), 'read-only', message);
});
