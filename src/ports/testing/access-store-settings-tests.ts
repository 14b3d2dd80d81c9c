/** AccessStore conformance: system settings (list, put as insert or replace, delete). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SettingRecord } from '../access-store.js';
import { at, type Fixtures } from './access-store-fixtures.js';

export function settingsTests(f: Fixtures): void {
  test('settings: put inserts then replaces, list orders by key, delete says whether there was one', async () => {
    const mine = (records: SettingRecord[]) => records.filter((r) => r.key.startsWith(f.run));
    const b: SettingRecord = { key: f.name('b-setting'), value: 'true', updatedAt: at(1), updatedBy: 'cli' };
    const a: SettingRecord = { key: `${f.run}-a-setting`, value: 'false', updatedAt: at(2), updatedBy: 'alice' };
    await f.store().putSetting(b);
    await f.store().putSetting(a);
    assert.deepEqual(mine(await f.store().listSettings()), [a, b]);

    const changed: SettingRecord = { ...b, value: 'false', updatedAt: at(3), updatedBy: 'bob' };
    await f.store().putSetting(changed);
    assert.deepEqual(mine(await f.store().listSettings()), [a, changed], 'a second put replaces value, time and author');

    assert.equal(await f.store().deleteSetting(a.key), true);
    assert.equal(await f.store().deleteSetting(a.key), false, 'nothing left to delete');
    assert.equal(await f.store().deleteSetting(changed.key), true);
    assert.deepEqual(mine(await f.store().listSettings()), []);
  });

  test('settings: an aborted signal rejects without writing', async () => {
    const key = f.name('aborted-setting');
    const signal = AbortSignal.abort();
    await assert.rejects(f.store().putSetting({ key, value: 'true', updatedAt: at(0), updatedBy: 'cli' }, { signal }));
    await assert.rejects(f.store().listSettings({ signal }));
    await assert.rejects(f.store().deleteSetting(key, { signal }));
    assert.deepEqual((await f.store().listSettings()).filter((r) => r.key === key), []);
  });
}
