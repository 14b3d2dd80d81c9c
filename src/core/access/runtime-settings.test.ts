import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccessStore, SettingRecord } from '../../ports/access-store.js';
import { RuntimeSettings } from './runtime-settings.js';

/** Just the settings part of an AccessStore, counting reads. */
function settingsStore() {
  const rows = new Map<string, SettingRecord>();
  const state = { reads: 0, fail: false };
  const store = {
    async listSettings() {
      state.reads++;
      if (state.fail) throw new Error('database is locked');
      return [...rows.values()];
    },
  } as unknown as AccessStore;
  const put = (key: string, value: string) => rows.set(key, { key, value, updatedAt: new Date(0), updatedBy: 'cli' });
  return { store, rows, state, put };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

test('the config applies until a value is stored; a stored value wins; another writer is seen after refreshMs', async () => {
  const { store, state, put } = settingsStore();
  let clock = 0;
  const errors: unknown[] = [];
  const settings = new RuntimeSettings(store, { anonymousPull: true, createProjectsOnPush: false }, { now: () => clock, refreshMs: 2000, onError: (e) => errors.push(e) });
  await settings.refresh();
  assert.equal(settings.anonymousPull, true);
  assert.equal(settings.createProjectsOnPush, false);

  put('auth.builtin.anonymouspull', 'false');
  clock = 1999;
  assert.equal(settings.anonymousPull, true, 'within refreshMs the memory answers');
  await flush();
  assert.equal(state.reads, 1, 'and nothing is read');

  clock = 2000;
  assert.equal(settings.anonymousPull, true, 'the read that notices staleness answers from memory and reloads');
  await flush();
  assert.equal(settings.anonymousPull, false, "the other writer's value applies");
  assert.equal(state.reads, 2);

  settings.remember({ key: 'auth.builtin.createprojects', value: 'true', updatedAt: new Date(0), updatedBy: 'admin' });
  assert.equal(settings.createProjectsOnPush, true, "this process's own change applies at once");
  settings.forget('auth.builtin.createprojects');
  assert.equal(settings.createProjectsOnPush, false);

  state.fail = true;
  clock = 5000;
  void settings.anonymousPull;
  await flush();
  assert.equal(settings.anonymousPull, false, 'a failed reload keeps the last values');
  assert.equal(errors.length, 1);
  clock = 6000;
  void settings.anonymousPull;
  await flush();
  assert.equal(state.reads, 3, 'and waits a full period before trying again');
  assert.deepEqual(errors.length, 1);
});

test('a stored value that is not true or false counts as unset', async () => {
  const { store, put } = settingsStore();
  put('auth.builtin.anonymouspull', 'perhaps');
  const settings = new RuntimeSettings(store, { anonymousPull: false, createProjectsOnPush: false }, { now: () => 0 });
  await settings.refresh();
  assert.equal(settings.anonymousPull, false);
});
