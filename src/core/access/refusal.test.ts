import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { refusalMessage, signInMessage } from './refusal.js';

test('a hidden project names the config key only when pushes do not create projects', () => {
  const off = refusalMessage({ kind: 'hidden', project: 'p', createOnPush: false }, 'h:1');
  const on = refusalMessage({ kind: 'hidden', project: 'p', createOnPush: true }, 'h:1');
  assert.match(off, /set auth\.builtin\.createprojects/);
  assert.doesNotMatch(on, /createprojects/);
  assert.match(on, /^project p does not exist or you have no access to it;/);
});

test('every message fits in a challenge parameter: printable ASCII, no quote or backslash', () => {
  const robot = { kind: 'robot', name: 'robot$team+ci', project: 'team', actions: [] } as const;
  const messages = [
    signInMessage('[::1]:5000'),
    refusalMessage({ kind: 'hidden', project: 'a/b', createOnPush: false }, 'h'),
    refusalMessage({ kind: 'member', project: 'a', role: 'guest', action: 'push' }, 'h'),
    refusalMessage({ kind: 'public-outsider', project: 'a', action: 'delete' }, 'h'),
    refusalMessage({ kind: 'robot', robot, project: 'team', action: 'pull' }, 'h'),
    refusalMessage({ kind: 'robot', robot, project: 'other', action: 'pull' }, 'h'),
  ];
  for (const message of messages) assert.match(message, /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/, message);
  assert.equal(messages[4], 'robot robot$team+ci may do nothing in project team, not pull; ask a project admin for a robot whose grant includes pull');
});
