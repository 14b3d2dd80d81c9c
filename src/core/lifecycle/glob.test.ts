import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { globMatches } from './glob.js';

/** A reference answer by exhaustive recursion, only for the short cases of the table. */
function reference(pattern: string, name: string): boolean {
  if (pattern === '') return name === '';
  if (pattern[0] === '*') return reference(pattern.slice(1), name) || (name !== '' && reference(pattern, name.slice(1)));
  if (name === '') return false;
  return (pattern[0] === '?' || pattern[0] === name[0]) && reference(pattern.slice(1), name.slice(1));
}

const table: Array<[string, string, boolean]> = [
  ['v*', 'v1.2.3', true],
  ['v*', 'v', true],
  ['v*', 'latest', false],
  ['v*', 'xv1', false],
  ['release-?', 'release-1', true],
  ['release-?', 'release-10', false],
  ['1.0', '1.0', true],
  ['1.0', '1x0', false],
  ['*', '', true],
  ['*', 'anything', true],
  ['**', 'a', true],
  ['?', '', false],
  ['', '', true],
  ['', 'a', false],
  ['*-rc', 'v1-rc', true],
  ['*-rc', 'v1-rc2', false],
  ['a*b*c', 'abc', true],
  ['a*b*c', 'aXbYc', true],
  ['a*b*c', 'acb', false],
  ['a*ab', 'aab', true],
  ['a*ab', 'ab', false],
  ['*a*', 'bab', true],
  ['*ab*ab', 'abab', true],
  ['*ab*ab', 'aabab', true],
  ['*ab*ab', 'abaab', true],
  ['*ab*ab', 'aba', false],
  ['?*?', 'a', false],
  ['?*?', 'ab', true],
  ['a?c*', 'abcdef', true],
  ['team/*', 'team/app', true],
  ['team/*', 'other/app', false],
  ['*/app', 'team/app', true],
  ['a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(40), false],
  ['a*a*a*a*a*a*a*a*a*a*b', `${'a'.repeat(40)}b`, true],
];

test('globMatches: * any run, ? one character, anchored, everything else literal', () => {
  for (const [pattern, name, expected] of table) {
    assert.equal(globMatches(pattern, name), expected, `${pattern} vs ${name}`);
  }
});

test('globMatches agrees with exhaustive matching on every short pattern and name', () => {
  const alphabet = ['a', 'b', '*', '?'];
  const patterns = [''];
  for (let length = 1; length <= 4; length++) {
    for (const prefix of patterns.filter((p) => p.length === length - 1)) for (const ch of alphabet) patterns.push(prefix + ch);
  }
  const names = [''];
  for (let length = 1; length <= 5; length++) {
    for (const prefix of names.filter((n) => n.length === length - 1)) for (const ch of ['a', 'b']) names.push(prefix + ch);
  }
  for (const pattern of patterns) for (const name of names) assert.equal(globMatches(pattern, name), reference(pattern, name), `${pattern} vs ${name}`);
});

test('pathological patterns finish fast (a RegExp translation backtracks for minutes)', () => {
  // The longest pattern and name the API accepts (128-character tags), and the shapes that
  // make backtracking engines explode. The bound is ~1000x what the matcher needs.
  const cases: Array<[string, string]> = [
    ['a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(60)],
    ['a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(128)],
    [`${'a*'.repeat(63)}b`, 'a'.repeat(128)],
    [`${'*?'.repeat(64)}`.slice(0, 128), 'a'.repeat(127)],
    [`${'?*'.repeat(63)}b`, 'a'.repeat(128)],
    [`*${'a'.repeat(60)}*${'a'.repeat(60)}b`, 'a'.repeat(128)],
  ];
  for (const [pattern, name] of cases) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < 10; i++) globMatches(pattern, name);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(ms < 50, `${pattern} took ${ms.toFixed(1)} ms for 10 matches`);
  }
});
