/**
 * The AccessStore contract as a test suite: every adapter (SQLite, PostgreSQL) runs exactly
 * this. An adapter's test file only says how to build a store and tear it down; the suite
 * runs `migrate()` itself.
 *
 * One store serves the whole suite, and it may be a database other runs used before: every
 * name is under a random per-run prefix and listings are checked only within it. Counts and
 * prune totals are exact, so no other writer may change users or the 1970s audit log while the
 * suite runs. Each test removes what it created; the last test checks nothing was left behind,
 * except projects (the port cannot delete them), which the adapter's teardown removes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auditTests } from './access-store-audit-tests.js';
import { Fixtures, type AccessStoreHarness } from './access-store-fixtures.js';
import { projectTests } from './access-store-project-tests.js';
import { refreshTokenTests } from './access-store-refresh-tests.js';
import { sessionTests } from './access-store-session-tests.js';
import { settingsTests } from './access-store-settings-tests.js';
import { userTests } from './access-store-user-tests.js';

export type { AccessStoreHarness } from './access-store-fixtures.js';

export function accessStoreConformance(name: string, build: () => Promise<AccessStoreHarness>): void {
  describe(`AccessStore conformance: ${name}`, () => {
    const f = new Fixtures();

    before(async () => {
      f.harness = await build();
      await f.store().migrate();
    });
    after(async () => {
      await f.harness?.teardown();
    });

    test('migrate runs again harmlessly and the store still works', async () => {
      await f.store().migrate();
      await f.store().migrate();
      const user = await f.createUser('migrate');
      assert.deepEqual(await f.store().user(user.name), user);
      assert.equal(await f.store().deleteUser(user.name), true);
    });

    userTests(f);
    projectTests(f);
    auditTests(f);
    refreshTokenTests(f);
    sessionTests(f);
    settingsTests(f);

    test('nothing is left behind', async () => {
      assert.deepEqual(f.mine(await f.store().listUsers()), [], 'users left behind');
      assert.deepEqual(f.mine(await f.store().listRobots(undefined)), [], 'robots left behind');
      for (const id of f.tokenIds) assert.equal(await f.store().token(id), undefined, `token ${id} left behind`);
      for (const project of f.projects) assert.deepEqual(await f.store().members(project), [], `members of ${project} left behind`);
      // Audit events cannot be deleted one by one; the run's are all in its own stretch of time.
      await f.store().pruneAudit(new Date(f.auditBase + 86_400_000));
      for (const actor of f.actors) {
        assert.deepEqual(await f.store().queryAudit({ actor, limit: 1 }), [], `audit events of ${actor} left behind`);
      }
    });
  });
}
