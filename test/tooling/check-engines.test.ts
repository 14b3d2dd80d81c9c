/**
 * scripts/check-engines.mjs, which CI runs before the tests: every installed dependency must
 * support every Node version package.json claims (issue 10: cookie@2 wanted Node 22 while Berth
 * claims 20, and npm only warned).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../../scripts/check-engines.mjs', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface CheckEngines {
  satisfies(version: string, range: string): boolean;
  versionsToCheck(claimed: string, current: string): string[];
}
const load = async (): Promise<CheckEngines> => (await import(script)) as CheckEngines;

test('the range reader agrees with npm on the forms packages use', async () => {
  const { satisfies } = await load();
  const cases: Array<[string, string, boolean]> = [
    ['20.0.0', '>=20', true],
    ['20.0.0', '>=22', false],
    ['20.0.0', '>= 18.0.0', true],
    ['20.0.0', '^20.17.0 || >=22.9.0', false],
    ['22.9.0', '^20.17.0 || >=22.9.0', true],
    ['20.0.0', '14 || 16 || >=18', true],
    ['20.0.0', '^18 || ^20', true],
    ['21.0.0', '^18 || ^20', false],
    ['20.0.0', '10 - 20', true],
    ['21.0.0', '10 - 20', false],
    ['20.0.0', '*', true],
    ['20.0.0', '20.x', true],
    ['20.0.0', '~20.1', false],
    ['20.0.0', '>=16 <21', true],
    ['22.0.0', '>=16 <21', false],
  ];
  for (const [version, range, expected] of cases) assert.equal(satisfies(version, range), expected, `${version} in "${range}"`);
});

test('the versions checked run from the lowest claimed to the running major', async () => {
  const { versionsToCheck } = await load();
  assert.deepEqual(versionsToCheck('>=20', '22.3.1'), ['20.0.0', '21.0.0', '22.0.0', '22.3.1']);
  assert.deepEqual(versionsToCheck('>=20.12', '20.20.2'), ['20.12.0', '20.20.2']);
});

function runCheck(lockPackages: Record<string, unknown>): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-engines-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', engines: { node: '>=20' } }));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { '': {}, ...lockPackages } }));
  const result = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

test('a dependency that needs a newer Node than Berth claims fails the check, naming it', () => {
  const result = runCheck({
    'node_modules/light-my-request/node_modules/cookie': { version: '2.0.2', engines: { node: '>=22' } },
    'node_modules/yaml': { version: '2.9.1', engines: { node: '>= 14.6' } },
  });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /cookie@2\.0\.2 requires node >=22, which excludes 20\.0\.0 \(Berth claims >=20\)/);
  assert.doesNotMatch(result.stderr, /yaml/);
});

test("Berth's own lock file passes: every dependency supports the Node versions package.json claims", () => {
  const result = spawnSync(process.execPath, [script, repoRoot], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});
