// `berth serve`'s own collector: runs every interval, never twice at once, and off at 0.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { pino } from 'pino';
import { scheduleGc } from '../../src/compose/schedule-gc.js';
import type { BerthConfig } from '../../src/config/config.js';
import { testConfig } from '../support/test-server.js';
import { Fixture } from './support/fixture.js';

function config(intervalSeconds: number): BerthConfig {
  return { ...testConfig('/unused'), lifecycle: { gc: { graceSeconds: 0, intervalSeconds }, restoreWindowSeconds: 0 } };
}

test('the scheduled collector runs on its interval and stops when told', async () => {
  const f = await Fixture.create({ graceMs: 0, restoreWindowMs: 0 });
  try {
    const image = await f.pushImage('sched/a', undefined, { layers: [randomBytes(100)] });
    f.clock.advance(1);
    const stop = scheduleGc(f.lifecycle, config(0.02), pino({ level: 'silent' }));
    for (let i = 0; i < 200 && f.lifecycle.gcStats().runs < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    stop();
    assert.ok(f.lifecycle.gcStats().runs >= 2, `ran ${f.lifecycle.gcStats().runs} times`);
    assert.equal(await f.metadata.manifest('sched/a', image.digest), undefined, 'the first run collected the untagged image');
    // A run in flight when stopped may still finish; none starts after that.
    await new Promise((resolve) => setTimeout(resolve, 80));
    const runs = f.lifecycle.gcStats().runs;
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(f.lifecycle.gcStats().runs, runs, 'no run after stop');
    assert.equal(scheduleGc(f.lifecycle, config(0), pino({ level: 'silent' }))(), undefined, 'interval 0: nothing scheduled');
  } finally {
    await f.close();
  }
});
