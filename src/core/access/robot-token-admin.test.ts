import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, test } from 'node:test';
import { adminFixture, type AdminFixture } from '../../../test/support/access-admin-fixture.js';
import { ConflictError, DeniedError, InvalidInputError, NotFoundError, UnauthorizedError } from '../errors.js';
import { parseRobotName } from './robot-admin.js';

let f: AdminFixture;
beforeEach(async () => {
  f = await adminFixture();
  await f.admin.projects.create(f.root, 'team');
});
afterEach(() => f.close());

test('a robot is created with its secret shown once, and signs in with it', async () => {
  const { robot, secret } = await f.admin.robots.create(f.root, 'team', { name: 'ci', actions: ['push', 'pull', 'push'] });
  assert.equal(robot.name, 'robot$team+ci');
  assert.deepEqual(robot.actions, ['pull', 'push'], 'deduplicated, in canonical order');
  assert.equal('secretHash' in robot, false);
  assert.match(secret, /^[A-Za-z0-9_-]{32}$/);
  const principal = await f.authenticator.login('robot$team+ci', secret, undefined);
  const { credential, ...who } = principal as typeof principal & { credential?: { kind: string } };
  assert.deepEqual(who, { kind: 'robot', name: 'robot$team+ci', project: 'team', actions: ['pull', 'push'] });
  assert.equal(credential?.kind, 'robot');
  assert.deepEqual([...(await f.authorizer.granted(principal, 'team/app'))].sort(), ['pull', 'push']);
  const [event] = await f.store.queryAudit({ action: 'robot.create', limit: 1 });
  assert.ok(event?.detail?.includes('robot=robot$team+ci') && !event.detail.includes(secret), 'audited, without the secret');
});

test('robot input is validated', async () => {
  await assert.rejects(f.admin.robots.create(f.root, 'team', { name: 'ci', actions: [] }), /at least one action/);
  await assert.rejects(f.admin.robots.create(f.root, 'team', { name: 'ci', actions: ['pull', 'admin'] }), /unknown robot action.*admin/);
  await assert.rejects(f.admin.robots.create(f.root, 'team', { name: 'C I', actions: ['pull'] }), InvalidInputError);
  await assert.rejects(f.admin.robots.create(f.root, 'nope', { name: 'ci', actions: ['pull'] }), NotFoundError);
  const past = new Date(f.now().getTime() - 1000);
  await assert.rejects(f.admin.robots.create(f.root, 'team', { name: 'ci', actions: ['pull'], expiresAt: past }), /in the future/);
  await f.admin.robots.create(f.root, 'team', { name: 'ci', actions: ['pull'] });
  await assert.rejects(f.admin.robots.create(f.root, 'team', { name: 'ci', actions: ['pull'] }), ConflictError);
  assert.equal((await f.store.listRobots('team')).length, 1);
});

test('an expiring robot stops signing in at its expiry', async () => {
  const expiresAt = new Date(f.now().getTime() + 3600_000);
  const { secret } = await f.admin.robots.create(f.root, 'team', { name: 'ci', actions: ['pull'], expiresAt });
  assert.ok(await f.authenticator.login('robot$team+ci', secret, undefined));
  f.advance(3600);
  await assert.rejects(f.authenticator.login('robot$team+ci', secret, undefined), UnauthorizedError);
});

test('project admins manage their robots; developers and other projects may not', async () => {
  const owner = await f.user('owner');
  const dev = await f.user('dev');
  await f.admin.projects.create(f.root, 'other');
  await f.admin.projects.setMember(f.root, 'team', 'owner', 'admin');
  await f.admin.projects.setMember(f.root, 'team', 'dev', 'developer');
  await f.admin.robots.create(owner, 'team', { name: 'ci', actions: ['pull'] });
  await f.admin.robots.create(f.root, 'other', { name: 'bot', actions: ['pull'] });
  await assert.rejects(f.admin.robots.create(dev, 'team', { name: 'x', actions: ['pull'] }), DeniedError);
  await assert.rejects(f.admin.robots.create(owner, 'other', { name: 'x', actions: ['pull'] }), DeniedError);
  await assert.rejects(f.admin.robots.list(dev, 'team'), DeniedError);
  assert.deepEqual((await f.admin.robots.list(owner)).map((r) => r.name), ['robot$team+ci'], 'only robots of managed projects');
  assert.deepEqual((await f.admin.robots.list(f.root)).map((r) => r.name), ['robot$other+bot', 'robot$team+ci']);
  await assert.rejects(f.admin.robots.delete(owner, 'robot$other+bot'), DeniedError);
  await f.admin.robots.delete(owner, 'robot$team+ci');
  assert.equal(await f.store.robot('robot$team+ci'), undefined);
  await assert.rejects(f.admin.robots.delete(owner, 'robot$team+ci'), NotFoundError);
  await assert.rejects(f.admin.robots.delete(f.root, 'team+ci'), /not a robot account name/);
});

test('robot full names split into project and name', () => {
  assert.deepEqual(parseRobotName('robot$team+ci'), { project: 'team', name: 'ci' });
  assert.equal(parseRobotName('robot$team'), undefined);
  assert.equal(parseRobotName('robot$+ci'), undefined);
  assert.equal(parseRobotName('team+ci'), undefined);
});

test('a personal access token is shown once as bpat_<id>_<secret> and works as the password', async () => {
  const alice = await f.user('alice');
  const { view, token } = await f.admin.tokens.create(alice, 'alice', { name: 'laptop' });
  assert.match(view.id, /^[0-9a-f]{16}$/);
  assert.ok(token.startsWith(`bpat_${view.id}_`));
  assert.equal('secretHash' in view, false);
  const byToken = await f.authenticator.login('alice', token, undefined);
  assert.deepEqual(byToken, { kind: 'user', name: 'alice', systemAdmin: false, credential: { kind: 'pat', id: view.id } });
  await assert.rejects(f.authenticator.login('bob', token, undefined), UnauthorizedError, 'bound to its user');
  const [listed] = await f.admin.tokens.list(alice, 'alice');
  assert.ok(listed?.lastUsedAt, 'use is recorded');
  await assert.rejects(f.admin.tokens.create(alice, 'alice', { name: 'laptop' }), ConflictError);
  await f.admin.tokens.revoke(alice, view.id);
  await assert.rejects(f.authenticator.login('alice', token, undefined), UnauthorizedError);
  assert.deepEqual(await f.admin.tokens.list(alice, 'alice'), []);
});

test('tokens expire, and are managed only by their user or a system admin', async () => {
  const alice = await f.user('alice');
  const bob = await f.user('bob');
  const expiresAt = new Date(f.now().getTime() + 60_000);
  const { view, token } = await f.admin.tokens.create(f.root, 'alice', { name: 'ci', expiresAt });
  await assert.rejects(f.admin.tokens.list(bob, 'alice'), DeniedError);
  await assert.rejects(f.admin.tokens.create(bob, 'alice', { name: 'stolen' }), DeniedError);
  await assert.rejects(f.admin.tokens.revoke(bob, view.id), DeniedError);
  await assert.rejects(f.admin.tokens.revoke(bob, 'ffffffffffffffff'), DeniedError, 'missing ids look the same as others\u2019');
  await assert.rejects(f.admin.tokens.revoke(alice, view.id, 'bob'), DeniedError);
  await assert.rejects(f.admin.tokens.revoke(bob, view.id, 'bob'), NotFoundError, "not bob's token");
  await assert.rejects(f.admin.tokens.create(f.root, 'ghost', { name: 'x' }), NotFoundError);
  await assert.rejects(f.admin.tokens.create(alice, 'alice', { name: '' }), InvalidInputError);
  f.advance(60);
  await assert.rejects(f.authenticator.login('alice', token, undefined), UnauthorizedError);
  await f.admin.tokens.revoke(f.root, view.id);
  const actions = (await f.store.queryAudit({ action: 'token.revoke', limit: 10 })).map((e) => `${e.actor}:${e.result}`);
  assert.ok(actions.includes('cli:success') && actions.includes('bob:denied'));
});
