/**
 * Issue 9, finding 5, at the command line: one password rule (at least 12 characters, at most
 * 72 bytes of UTF-8, not only whitespace) for `berth user add|passwd`, and for the bootstrap
 * admin's BERTH_ADMIN_PASSWORD, which `berth serve` refuses with a one-line message when it is
 * empty or breaks the rule, instead of creating an admin with that password.
 */
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { berth, tempRoot } from './cli-support.js';

let data: { root: string; remove(): Promise<void> };
before(async () => {
  data = await tempRoot();
});
after(() => data.remove());

const SERVE_ENV = { REGISTRY_HTTP_ADDR: '127.0.0.1:0' };

test('berth serve refuses an empty, short or over-long BERTH_ADMIN_PASSWORD with one line, and creates no admin', async () => {
  const cases: [string, RegExp][] = [
    ['', /BERTH_ADMIN_PASSWORD is set but empty; set it to a password of at least 12 characters.*or unset it/],
    ['abc', /BERTH_ADMIN_PASSWORD.* is too short: a password needs at least 12 characters/],
    ['           ', /too short/],
    ['x'.repeat(73), /BERTH_ADMIN_PASSWORD.* is too long \(73 bytes/],
    ['            ', /only whitespace/],
  ];
  for (const [value, message] of cases) {
    const served = await berth(data.root, ['serve'], undefined, { env: { ...SERVE_ENV, BERTH_ADMIN_PASSWORD: value }, timeoutMs: 30_000 });
    assert.equal(served.code, 1, `BERTH_ADMIN_PASSWORD=${JSON.stringify(value)} must stop the start: ${served.stderr}`);
    assert.match(served.stderr, message);
    assert.equal(served.stderr.trimEnd().split('\n').length, 1, `one line: ${served.stderr}`);
    assert.doesNotMatch(served.stderr, /\n\s+at /, 'no stack trace');
  }
  const listed = await berth(data.root, ['user', 'list']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.doesNotMatch(listed.stdout, /admin/, 'no admin was created');
});

test('berth user add and passwd apply the same rule, counting bytes not characters', async () => {
  const refused: [string, RegExp][] = [
    ['short pw', /at least 12 characters/],
    ['            ', /only whitespace/],
    ['é'.repeat(37), /too long \(74 bytes of UTF-8/],
  ];
  for (const [password, message] of refused) {
    const added = await berth(data.root, ['user', 'add', 'vera', '--password-stdin'], `${password}\n`);
    assert.equal(added.code, 1, added.stderr);
    assert.match(added.stderr, message);
  }
  assert.doesNotMatch((await berth(data.root, ['user', 'list'])).stdout, /vera/);
  const exactly = await berth(data.root, ['user', 'add', 'vera', '--password-stdin'], `${'é'.repeat(36)}\n`);
  assert.equal(exactly.code, 0, `72 bytes are allowed: ${exactly.stderr}`);
  const tooLong = await berth(data.root, ['user', 'passwd', 'vera', '--password-stdin'], `${'p'.repeat(73)}\n`);
  assert.equal(tooLong.code, 1);
  assert.match(tooLong.stderr, /too long \(73 bytes/);
});
