/**
 * `berth webhook …`: add with a secret from a file (never printed back) or a generated one
 * (printed once), list, deliveries, rm; bad input exits 1 with the registry's message, and a
 * private target is refused unless the operator allows it.
 */
import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { berth, secretLine, tempRoot } from './cli-support.js';

let data: { root: string; remove(): Promise<void> };
const allow = { env: { REGISTRY_NOTIFICATIONS_WEBHOOKS_ALLOWPRIVATETARGETS: 'true' } };
before(async () => {
  data = await tempRoot();
  assert.equal((await berth(data.root, ['project', 'add', 'team'])).code, 0);
});
after(() => data.remove());

test('webhooks from the command line', async () => {
  const secretFile = join(data.root, 'hook.secret');
  await writeFile(secretFile, 'a-file-secret-0123456789\n', { mode: 0o600 });
  const added = await berth(data.root, ['webhook', 'add', 'team', 'http://127.0.0.1:9/hook', '--events', 'PUSH_ARTIFACT,PULL_ARTIFACT', '--secret-file', secretFile], undefined, allow);
  assert.equal(added.code, 0, added.stderr);
  assert.equal(added.stdout, 'created webhook 1 of project team: http://127.0.0.1:9/hook (PUSH_ARTIFACT,PULL_ARTIFACT)\n');
  const generated = await berth(data.root, ['webhook', 'add', 'team', 'http://127.0.0.1:9/other'], undefined, allow);
  assert.equal(generated.code, 0, generated.stderr);
  const secret = secretLine(generated.stdout, 'secret');
  const listed = await berth(data.root, ['webhook', 'list', 'team']);
  assert.match(listed.stdout, /^ID +URL +EVENTS +ENABLED +CREATED\n1 +http:\/\/127\.0\.0\.1:9\/hook +PUSH_ARTIFACT,PULL_ARTIFACT +yes/);
  assert.match(listed.stdout, /\n2 +http:\/\/127\.0\.0\.1:9\/other +PUSH_ARTIFACT,DELETE_ARTIFACT,QUOTA_EXCEED +yes/);
  const json = await berth(data.root, ['webhook', 'list', 'team', '--json']);
  for (const text of [listed.stdout, json.stdout]) {
    assert.ok(!text.includes('a-file-secret') && !text.includes(secret), 'secrets are never shown');
  }
  const log = await berth(data.root, ['webhook', 'deliveries', 'team', '1', '--json']);
  assert.deepEqual(JSON.parse(log.stdout), { pending: 0, deliveries: [] });

  const privateTarget = await berth(data.root, ['webhook', 'add', 'team', 'http://127.0.0.1:9/hook']);
  assert.equal(privateTarget.code, 1);
  assert.match(privateTarget.stderr, /127\.0\.0\.1.*allowprivatetargets/);
  const badEvent = await berth(data.root, ['webhook', 'add', 'team', 'http://127.0.0.1:9/x', '--events', 'PUSH'], undefined, allow);
  assert.equal(badEvent.code, 1);
  assert.match(badEvent.stderr, /unknown event type PUSH/);
  assert.equal((await berth(data.root, ['webhook', 'rm', 'team', 'x'])).code, 2);
  assert.equal((await berth(data.root, ['webhook', 'rm', 'team', '1'])).stdout, 'removed webhook 1 of project team\n');
  const gone = await berth(data.root, ['webhook', 'rm', 'team', '1']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /project team has no webhook 1/);
});
