/**
 * The bench runs every row on both registries before the next row, the order reversed on every
 * other row, so neither registry is measured on a machine the other has already worn in. These
 * pin that schedule, and that a registry that does not start or a row that fails costs only its
 * own cells. The registries here are stand-ins: the schedule is what is under test.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { runTargets, type TargetRun } from '../../bench/run-target.js';
import { parseOptions } from '../../bench/options.js';
import type { RegistryProcess } from '../support/registry-process.js';
import { sampledRow, type Row } from '../../bench/workload.js';

const quick = parseOptions(['--quick']).profile;

function standIn(name: string, stopped: string[]): RegistryProcess {
  const child = Object.assign(new EventEmitter(), { exitCode: null, signalCode: null, pid: 1 });
  return {
    kind: name === 'distribution' ? 'distribution' : 'berth',
    url: `http://${name}.invalid`,
    host: `${name}.invalid`,
    port: 1,
    root: '/nonexistent',
    child: child as unknown as RegistryProcess['child'],
    output: () => '',
    stop: async () => void stopped.push(name),
  };
}

function target(name: string, stopped: string[], fails = false): TargetRun {
  return {
    name,
    launch: {
      auth: 'none',
      start: async () => {
        if (fails) throw new Error(`${name} refused to start\nlong child log`);
        return standIn(name, stopped);
      },
    },
  };
}

function rows(seen: string[], failing?: string): Row[] {
  return ['1', '2', '3'].map((id) => ({
    id,
    title: `row ${id}`,
    unit: 'ms',
    better: 'lower',
    run: async (ctx) => {
      seen.push(`${id}:${ctx.target.host.split('.')[0]}`);
      if (id === failing) throw new Error('row broke');
      return { value: Number(id) };
    },
  }));
}

test('each row runs on both targets before the next, the order reversed on every other row', async () => {
  const seen: string[] = [];
  const stopped: string[] = [];
  const outcomes = await runTargets([target('distribution', stopped), target('berth', stopped)], rows(seen), quick, '/tmp');
  assert.deepEqual(seen, ['1:distribution', '1:berth', '2:berth', '2:distribution', '3:distribution', '3:berth']);
  assert.deepEqual(outcomes.get('berth')?.get('2'), { ok: true, measurement: { value: 2 } });
  assert.deepEqual(stopped.sort(), ['berth', 'distribution']);
});

test('a target that does not start gets an error in every cell, and the other still runs every row', async () => {
  const seen: string[] = [];
  const outcomes = await runTargets([target('distribution', [], true), target('berth', [])], rows(seen), quick, '/tmp');
  assert.deepEqual(seen, ['1:berth', '2:berth', '3:berth']);
  for (const id of ['1', '2', '3']) {
    assert.deepEqual(outcomes.get('distribution')?.get(id), { ok: false, error: 'did not start: distribution refused to start' });
  }
});

test('a failing row is one error cell; the rows after it still run on both', async () => {
  const seen: string[] = [];
  const outcomes = await runTargets([target('distribution', []), target('berth', [])], rows(seen, '2'), quick, '/tmp');
  assert.equal(seen.length, 6);
  assert.deepEqual(outcomes.get('distribution')?.get('2'), { ok: false, error: 'row broke' });
  assert.deepEqual(outcomes.get('berth')?.get('3'), { ok: true, measurement: { value: 3 } });
});

function sampledRows(seen: string[], failOn?: { target: string; sample: number }): Row[] {
  return [
    sampledRow<number>(
      { id: 's', title: 'sampled', unit: 'ms', better: 'lower' },
      {
        count: () => 4,
        take: async (ctx, i) => {
          const name = ctx.target.host.split('.')[0];
          seen.push(`${i}:${name}`);
          if (failOn?.target === name && failOn.sample === i) throw new Error(`sample ${i} broke`);
          return i * 10;
        },
        summarise: async (_ctx, samples) => ({ value: samples.reduce((a, b) => a + b, 0), detail: `${samples.length} samples` }),
      },
    ),
  ];
}

test('a sampled row takes one sample from each target in turn, the order reversed on every other sample', async () => {
  const seen: string[] = [];
  const outcomes = await runTargets([target('distribution', []), target('berth', [])], sampledRows(seen), quick, '/tmp');
  assert.deepEqual(seen, ['0:distribution', '0:berth', '1:berth', '1:distribution', '2:distribution', '2:berth', '3:berth', '3:distribution']);
  assert.deepEqual(outcomes.get('berth')?.get('s'), { ok: true, measurement: { value: 60, detail: '4 samples' } });
  assert.deepEqual(outcomes.get('distribution')?.get('s'), { ok: true, measurement: { value: 60, detail: '4 samples' } });
});

test('a failing sample ends its target\'s row with an error cell; the other target takes every sample', async () => {
  const seen: string[] = [];
  const outcomes = await runTargets(
    [target('distribution', []), target('berth', [])],
    sampledRows(seen, { target: 'berth', sample: 1 }),
    quick,
    '/tmp',
  );
  assert.deepEqual(seen, ['0:distribution', '0:berth', '1:berth', '1:distribution', '2:distribution', '3:distribution']);
  assert.deepEqual(outcomes.get('berth')?.get('s'), { ok: false, error: 'sample 1 broke' });
  assert.deepEqual(outcomes.get('distribution')?.get('s'), { ok: true, measurement: { value: 60, detail: '4 samples' } });
});

test('a sampled row on a target that did not start is its error cell; the other takes every sample', async () => {
  const seen: string[] = [];
  const outcomes = await runTargets([target('distribution', [], true), target('berth', [])], sampledRows(seen), quick, '/tmp');
  assert.deepEqual(seen, ['0:berth', '1:berth', '2:berth', '3:berth']);
  assert.deepEqual(outcomes.get('distribution')?.get('s'), { ok: false, error: 'did not start: distribution refused to start' });
  assert.equal(outcomes.get('berth')?.get('s')?.ok, true);
});
