import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { ProjectUsage } from '../../ports/metadata-usage.js';
import { DeniedError } from '../errors.js';
import { uploadQuotaExceeded, uploadRoom } from './upload-quota.js';

test("uploadRoom reads the repository's project, counts staged bytes, and asks nothing without a quota", async () => {
  const rows: ProjectUsage[] = [{ project: 'team', blobs: 2, blobBytes: 700, manifests: 1, manifestBytes: 200 }];
  const asked: Array<string | undefined> = [];
  const metadata = {
    projectUsage: async (project?: string) => {
      asked.push(project);
      return rows.filter((r) => r.project === project);
    },
    uploadTotals: async () => ({ open: 1, stagedBytes: 50 }),
    projectHoldsBlob: async (_project: string, digest: string) => digest === 'sha256:held',
  } as unknown as MetadataStore;
  const policy = (quotaBytes: number | undefined) => ({ writePolicy: 'allow-redeploy' as const, immutableTags: [], quotaBytes });
  assert.deepEqual(await uploadRoom(metadata, policy(1000), 'team/app/deep'), { project: 'team', limitBytes: 1000, usedBytes: 900, stagedBytes: 50, roomBytes: 50 });
  assert.equal((await uploadRoom(metadata, policy(0), 'other'))?.roomBytes, -50);
  assert.deepEqual(asked, ['team', 'other']);
  asked.length = 0;
  assert.equal(await uploadRoom(metadata, policy(undefined), 'team/app'), undefined);
  assert.equal(await uploadRoom(metadata, undefined, 'team/app'), undefined);
  assert.equal(await uploadRoom(metadata, policy(1), 'team/app', 'sha256:held'), undefined, 'a blob the project holds adds nothing');
  assert.deepEqual(asked, [], 'no quota, or a blob already held: no usage lookup');
});

test('the refusal names staged bytes when there are some, and is the manifest put\u2019s otherwise', () => {
  const room = { project: 'team', limitBytes: 1000, usedBytes: 900, stagedBytes: 50, roomBytes: 50 };
  const staged = uploadQuotaExceeded(room, 101);
  assert.ok(staged instanceof DeniedError);
  assert.match(staged.message, /900 B used, 50 B staged by unfinished uploads, this push needs 101 B more/);
  assert.match(uploadQuotaExceeded({ ...room, stagedBytes: 0 }, 101).message, /900 B used, this push needs 101 B more; delete/);
});
