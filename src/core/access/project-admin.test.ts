import { strict as assert } from 'node:assert';
import { afterEach, test } from 'node:test';
import { adminFixture, type AdminFixture } from '../../../test/support/access-admin-fixture.js';
import { ConflictError, DeniedError, InvalidInputError, NameInvalidError, NotFoundError, UnauthorizedError } from '../errors.js';
import type { Actor } from './admin-context.js';

let f: AdminFixture;
afterEach(() => f.close());
const anonymous: Actor = { kind: 'anonymous' };

test('system admins create projects; users only when pushes may create them', async () => {
  f = await adminFixture();
  const alice = await f.user('alice');
  const created = await f.admin.projects.create(f.root, 'team');
  assert.equal(created.visibility, 'private');
  assert.deepEqual(await f.store.members('team'), [], 'the CLI has no account to make a member');
  await assert.rejects(f.admin.projects.create(alice, 'mine'), DeniedError);
  await assert.rejects(f.admin.projects.create(anonymous, 'mine'), UnauthorizedError);
  await assert.rejects(f.admin.projects.create(f.root, 'team'), ConflictError);
  await assert.rejects(f.admin.projects.create(f.root, 'team/app'), NameInvalidError);
  await assert.rejects(f.admin.projects.create(f.root, 'Team'), NameInvalidError);
  await assert.rejects(f.admin.projects.create(f.root, 'ok', 'secret'), InvalidInputError);
  assert.deepEqual((await f.store.listProjects()).map((p) => p.name), ['team']);
});

test('with createProjectsOnPush a user may create a project and becomes its admin', async () => {
  f = await adminFixture({ createProjectsOnPush: true });
  const alice = await f.user('alice');
  const project = await f.admin.projects.create(alice, 'mine', 'public');
  assert.deepEqual([project.visibility, project.role], ['public', 'admin']);
  assert.deepEqual(await f.store.members('mine'), [{ project: 'mine', user: 'alice', role: 'admin' }]);
  assert.equal(await f.authorizer.mayManageProject(alice, 'mine'), true);
});

test('listings show each caller only what they may see', async () => {
  f = await adminFixture();
  const alice = await f.user('alice');
  await f.user('bob');
  await f.admin.projects.create(f.root, 'open', 'public');
  await f.admin.projects.create(f.root, 'secret');
  await f.admin.projects.create(f.root, 'team');
  await f.admin.projects.setMember(f.root, 'team', 'alice', 'guest');
  const names = async (actor: Actor) => (await f.admin.projects.list(actor)).map((p) => `${p.name}${p.role ? `:${p.role}` : ''}`);
  assert.deepEqual(await names(f.root), ['open', 'secret', 'team']);
  assert.deepEqual(await names(alice), ['open', 'team:guest']);
  assert.deepEqual(await names(anonymous), ['open']);
  const robot: Actor = { kind: 'robot', name: 'robot$secret+ci', project: 'secret', actions: ['pull'] };
  assert.deepEqual(await names(robot), ['open', 'secret']);
  await assert.rejects(f.admin.projects.get(alice, 'secret'), NotFoundError, 'a private project is not disclosed');
  assert.equal((await f.admin.projects.get(alice, 'team')).role, 'guest');
});

test('without anonymous pull, anonymous callers see no project', async () => {
  f = await adminFixture({ anonymousPull: false });
  await f.admin.projects.create(f.root, 'open', 'public');
  assert.deepEqual(await f.admin.projects.list(anonymous), []);
});

test('project admins manage members and visibility; others may not', async () => {
  f = await adminFixture();
  const owner = await f.user('owner');
  const dev = await f.user('dev');
  await f.user('guest');
  await f.admin.projects.create(f.root, 'team');
  await f.admin.projects.setMember(f.root, 'team', 'owner', 'admin');
  await f.admin.projects.setMember(owner, 'team', 'dev', 'developer');
  assert.deepEqual([...(await f.authorizer.granted(dev, 'team/app'))].sort(), ['pull', 'push']);
  await assert.rejects(f.admin.projects.setMember(dev, 'team', 'guest', 'guest'), DeniedError);
  await assert.rejects(f.admin.projects.setVisibility(dev, 'team', 'public'), DeniedError);
  await assert.rejects(f.admin.projects.setMember(owner, 'team', 'dev', 'owner'), /invalid role "owner"/);
  await assert.rejects(f.admin.projects.setMember(owner, 'team', 'ghost', 'guest'), NotFoundError);
  await assert.rejects(f.admin.projects.setMember(f.root, 'nope', 'dev', 'guest'), NotFoundError);
  assert.equal((await f.admin.projects.setVisibility(owner, 'team', 'public')).visibility, 'public');
  assert.deepEqual(
    (await f.admin.projects.members(dev, 'team')).map((m) => `${m.user}:${m.role}`),
    ['dev:developer', 'owner:admin'],
  );
  await f.admin.projects.removeMember(owner, 'team', 'dev');
  assert.deepEqual([...(await f.authorizer.granted(dev, 'team/app'))], ['pull'], 'public now, so pull remains');
  await assert.rejects(f.admin.projects.removeMember(owner, 'team', 'dev'), NotFoundError);
  const audit = (await f.store.queryAudit({ repository: 'team', limit: 10 })).map((e) => `${e.actor} ${e.action} ${e.result}`);
  assert.deepEqual(audit.slice(0, 4), ['owner member.remove success', 'owner project.visibility success', 'dev project.visibility denied', 'dev member.set denied']);
});

test('a project admin cannot remove or demote the last admin; a system admin can', async () => {
  f = await adminFixture();
  const owner = await f.user('owner');
  await f.admin.projects.create(f.root, 'team');
  await f.admin.projects.setMember(f.root, 'team', 'owner', 'admin');
  await assert.rejects(f.admin.projects.setMember(owner, 'team', 'owner', 'developer'), /last admin/);
  await assert.rejects(f.admin.projects.removeMember(owner, 'team', 'owner'), ConflictError);
  await f.admin.projects.removeMember(f.root, 'team', 'owner');
  assert.deepEqual(await f.store.members('team'), []);
});

test('members are listed to members and system admins only', async () => {
  f = await adminFixture();
  const outsider = await f.user('outsider');
  await f.admin.projects.create(f.root, 'open', 'public');
  await f.admin.projects.create(f.root, 'secret');
  await assert.rejects(f.admin.projects.members(outsider, 'open'), DeniedError);
  await assert.rejects(f.admin.projects.members(outsider, 'secret'), NotFoundError);
  assert.deepEqual(await f.admin.projects.members(f.root, 'open'), []);
});

test('ensureProjectForPush creates a private project owned by the pusher only when allowed', async () => {
  f = await adminFixture({ createProjectsOnPush: true });
  const alice = await f.user('alice');
  assert.equal(await f.admin.projects.ensureProjectForPush(alice, 'fresh/app/web'), true);
  const project = await f.store.project('fresh');
  assert.equal(project?.visibility, 'private');
  assert.deepEqual(await f.store.members('fresh'), [{ project: 'fresh', user: 'alice', role: 'admin' }]);
  assert.equal(await f.admin.projects.ensureProjectForPush(alice, 'fresh/other'), false, 'exists now');
  const robot: Actor = { kind: 'robot', name: 'robot$fresh+ci', project: 'fresh', actions: ['pull', 'push'] };
  assert.equal(await f.admin.projects.ensureProjectForPush(robot, 'robotland/app'), false);
  assert.equal(await f.admin.projects.ensureProjectForPush(anonymous, 'anon/app'), false);
  assert.equal(await f.store.project('robotland'), undefined);
  const [event] = await f.store.queryAudit({ action: 'project.create', limit: 1 });
  assert.deepEqual([event?.actor, event?.repository, event?.detail], ['alice', 'fresh', 'visibility=private admin=alice on=push']);
});

test('ensureProjectForPush without the policy creates only for system admins', async () => {
  f = await adminFixture({ createProjectsOnPush: false });
  const alice = await f.user('alice');
  const root = await f.user('root', { systemAdmin: true });
  assert.equal(await f.admin.projects.ensureProjectForPush(alice, 'mine/app'), false);
  assert.equal(await f.store.project('mine'), undefined);
  assert.equal(await f.admin.projects.ensureProjectForPush(root, 'ops/tools'), true);
  assert.deepEqual(await f.store.members('ops'), [{ project: 'ops', user: 'root', role: 'admin' }]);
});
