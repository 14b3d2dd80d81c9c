import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CONFIG_KEYS, type KeyRule } from './config-keys.js';

// Compiled to dist/src/config/, three levels below the repository root.
const docs = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');

function leaves(rule: KeyRule, path: string[] = []): Array<{ path: string[]; rule: KeyRule }> {
  if (rule.kind !== 'section') return [{ path, rule }];
  return Object.entries(rule.keys).flatMap(([key, child]) => leaves(child, [...path, key]));
}

test('docs/configuration.md covers every key Berth knows', () => {
  const missing = leaves(CONFIG_KEYS)
    .map(({ path }) => path.join('.'))
    .filter((key) => !docs.includes(`\`${key}\``));
  assert.deepEqual(missing, []);
});

test('docs/configuration.md names the variable of every honoured key', () => {
  const missing = leaves(CONFIG_KEYS)
    .filter(({ rule, path }) => rule.kind === 'value' && path[0] !== 'version')
    .map(({ path }) => {
      const top = CONFIG_KEYS.keys[path[0]];
      const prefix = top.kind === 'section' && top.berthOnly ? 'BERTH' : 'REGISTRY';
      return `${prefix}_${path.join('_').toUpperCase()}`;
    })
    .filter((variable) => !docs.includes(`\`${variable}\``));
  assert.deepEqual(missing, []);
});
