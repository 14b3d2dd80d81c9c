/**
 * scripts/check-layers.mjs keeps the web UI (ui/) from importing server code (src/): the UI
 * talks to the server over HTTP only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../../scripts/check-layers.mjs', import.meta.url));

function check(files: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-layers-'));
  try {
    for (const [path, text] of Object.entries({ 'src/core/errors.ts': 'export const x = 1;\n', ...files })) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const result = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
    return { status: result.status, output: result.stdout + result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('ui code importing its own modules and packages passes', () => {
  const result = check({
    'ui/src/app.tsx': "import { render } from 'preact';\nimport { api } from './api';\nimport '/src/styles.css';\n",
    'ui/src/api.ts': 'export const api = 1;\n',
    'ui/dist/assets/index.js': "import x from '../../../src/core/errors.js';\n",
  });
  assert.equal(result.status, 0, result.output);
});

test('ui code importing from src/ fails, statically or dynamically', () => {
  const result = check({
    'ui/src/a.ts': "import { x } from '../../src/core/errors.js';\n",
    'ui/src/b.tsx': "export async function f() { return import('../../src/core/errors.js'); }\n",
  });
  assert.equal(result.status, 1);
  assert.match(result.output, /ui\/src\/a\.ts: \.\.\/\.\.\/src\/core\/errors\.js \(ui may not import from src\/\)/);
  assert.match(result.output, /ui\/src\/b\.tsx: .*\(ui may not import from src\/\)/);
});
