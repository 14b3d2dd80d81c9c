/**
 * `berth audit` shows what clients chose to send (login names, repositories) as inert text:
 * an event written before the audit log escaped its input must not drive the terminal.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openSqlite } from '../../src/adapters/metadata/sqlite-database.js';
import { berth, tempRoot } from './cli-support.js';

let data: { root: string; remove(): Promise<void> };
before(async () => {
  data = await tempRoot();
  // Written straight to the store, as an older version (or a hand edit) could have.
  const stores = openSqlite({ path: join(data.root, 'berth.db'), synchronous: 'normal' });
  await stores.metadata.migrate();
  await stores.access.appendAudit({
    time: new Date('2030-01-01T00:00:00Z'),
    actor: '\u001b]0;pwned\u0007\u001b[2Jroot',
    clientIp: '192.0.2.1',
    action: 'login',
    repository: 'team/\u009b31mapp',
    reference: undefined,
    result: 'failure',
    detail: 'wrong password\u202e',
  });
  const throttled = {
    time: new Date('2030-01-01T00:01:00Z'),
    actor: '(any name)',
    clientIp: '192.0.2.2',
    action: 'login',
    repository: undefined,
    reference: undefined,
    result: 'denied' as const,
    detail: 'rate limited (address)',
  };
  for (let i = 0; i < 3; i++) await stores.access.countAudit(throttled, new Date('2030-01-01T00:00:00Z'));
  await stores.close();
});
after(() => data.remove());

test('the table escapes control characters instead of printing them', async () => {
  const result = await berth(data.root, ['audit']);
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, 'a raw control character reached the terminal');
  assert.match(result.stdout, /\\x1b\]0;pwned\\x07\\x1b\[2Jroot +login +failure +team\/\\x9b31mapp +192\.0\.2\.1 +wrong password\\u202e\n/);
});

test('an event counted for several equal attempts says how many', async () => {
  const result = await berth(data.root, ['audit', '--limit', '1']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /\(any name\) +login +denied ×3 +192\.0\.2\.2 +rate limited \(address\)\n$/);
});
