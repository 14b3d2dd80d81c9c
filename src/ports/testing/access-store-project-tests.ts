/** AccessStore suite: projects, their members and their robot accounts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProjectRole } from '../access-store.js';
import { at, byName, byteOrder, type Fixtures } from './access-store-fixtures.js';

export function projectTests(f: Fixtures): void {
  test('createProject stores every field; a second create of the name rejects and changes nothing', async () => {
    const project = await f.createProject('create', { visibility: 'public', createdAt: at(42) });
    assert.deepEqual(await f.store().project(project.name), project);
    await assert.rejects(f.store().createProject({ ...project, visibility: 'private' }));
    assert.deepEqual(await f.store().project(project.name), project);
    assert.equal(await f.store().project(f.name('never-created')), undefined);
  });

  test('updateProject changes visibility and reports existence', async () => {
    const project = await f.createProject('update');
    assert.equal(await f.store().updateProject(project.name, { visibility: 'public' }), true);
    assert.deepEqual(await f.store().project(project.name), { ...project, visibility: 'public' });
    assert.equal(await f.store().updateProject(project.name, { visibility: 'private' }), true);
    assert.deepEqual(await f.store().project(project.name), project);
    assert.equal(await f.store().updateProject(project.name, {}), true);
    const missing = f.name('update-missing');
    assert.equal(await f.store().updateProject(missing, { visibility: 'public' }), false);
    assert.equal(await f.store().updateProject(missing, {}), false);
    assert.equal(await f.store().project(missing), undefined);
  });

  test('listProjects is in byte order of name', async () => {
    const names = [`${f.run}-plist-a`, `${f.run}-plist-B`, `${f.run}-plist-_`];
    for (const name of names) {
      f.projects.add(name);
      await f.store().createProject({ name, visibility: 'public', createdAt: at(7) });
    }
    const listed = f.mine(await f.store().listProjects()).filter((p) => p.name.startsWith(`${f.run}-plist-`));
    assert.deepEqual(
      listed,
      byteOrder(names).map((name) => ({ name, visibility: 'public', createdAt: at(7) })),
    );
  });

  test('setMember adds, then changes the role; members and memberships list in order', async () => {
    const project = await f.createProject('members');
    const elsewhere = await f.createProject('members-elsewhere');
    const alice = await f.createUser('alice');
    const bob = await f.createUser('bob');
    const aliceIn = { project: project.name, user: alice.name, role: 'developer' as const };
    await f.store().setMember(aliceIn);
    assert.deepEqual(await f.store().members(project.name), [aliceIn]);
    await f.store().setMember({ ...aliceIn, role: 'maintainer' });
    assert.deepEqual(await f.store().members(project.name), [{ ...aliceIn, role: 'maintainer' }]);

    // Inserted out of order: the listings must sort, not echo insertion order.
    await f.store().setMember({ project: project.name, user: bob.name, role: 'guest' });
    await f.store().setMember({ project: elsewhere.name, user: bob.name, role: 'admin' });
    assert.deepEqual(await f.store().members(project.name), [
      { ...aliceIn, role: 'maintainer' },
      { project: project.name, user: bob.name, role: 'guest' },
    ]);
    const bobs = await f.store().memberships(bob.name);
    assert.deepEqual(
      bobs.map((m) => m.project),
      byteOrder([project.name, elsewhere.name]),
    );
    assert.deepEqual(
      bobs.find((m) => m.project === elsewhere.name),
      { project: elsewhere.name, user: bob.name, role: 'admin' },
    );
    assert.deepEqual(await f.store().memberships(f.name('nobody')), []);
    assert.deepEqual(await f.store().members(f.name('no-project')), []);

    assert.equal(await f.store().removeMember(project.name, alice.name), true);
    assert.equal(await f.store().removeMember(project.name, alice.name), false);
    assert.deepEqual(await f.store().memberships(alice.name), []);
    assert.deepEqual(await f.store().members(project.name), [{ project: project.name, user: bob.name, role: 'guest' }]);
    assert.equal(await f.store().deleteUser(alice.name), true);
    assert.equal(await f.store().deleteUser(bob.name), true);
  });

  test('every role round-trips', async () => {
    const project = await f.createProject('roles');
    const roles: ProjectRole[] = ['admin', 'maintainer', 'developer', 'guest'];
    const users = [];
    for (const role of roles) {
      const user = await f.createUser(`role-${role}`);
      users.push(user);
      await f.store().setMember({ project: project.name, user: user.name, role });
      assert.deepEqual(await f.store().memberships(user.name), [{ project: project.name, user: user.name, role }]);
    }
    for (const user of users) assert.equal(await f.store().deleteUser(user.name), true);
  });

  test('setMember rejects an unknown user or project and writes nothing', async () => {
    const project = await f.createProject('members-unknown');
    const user = await f.createUser('members-unknown');
    const ghost = f.name('ghost');
    await assert.rejects(f.store().setMember({ project: project.name, user: ghost, role: 'admin' }));
    await assert.rejects(f.store().setMember({ project: f.name('no-project'), user: user.name, role: 'admin' }));
    assert.deepEqual(await f.store().members(project.name), []);
    assert.deepEqual(await f.store().memberships(user.name), []);
    assert.deepEqual(await f.store().memberships(ghost), []);
    assert.equal(await f.store().deleteUser(user.name), true);
  });

  test('robots round-trip actions in order, expiry present or not, and disabled', async () => {
    const project = await f.createProject('robots');
    const plain = f.robotRecord(project.name, 'ci', { actions: ['push', 'pull'], createdAt: at(5) });
    const expiring = f.robotRecord(project.name, 'deploy', {
      actions: ['delete', 'pull', 'push'],
      expiresAt: at(86_400_000),
      disabled: true,
    });
    const empty = f.robotRecord(project.name, 'idle', { actions: [] });
    for (const robot of [plain, expiring, empty]) await f.store().createRobot(robot);
    assert.deepEqual(await f.store().robot(plain.name), plain);
    assert.deepEqual(await f.store().robot(expiring.name), expiring);
    assert.deepEqual(await f.store().robot(empty.name), empty);
    assert.equal(await f.store().robot(`robot$${project.name}+none`), undefined);
    for (const robot of [plain, expiring, empty]) assert.equal(await f.store().deleteRobot(robot.name), true);
  });

  test('createRobot rejects a taken name or an unknown project and writes nothing', async () => {
    const project = await f.createProject('robots-reject');
    const robot = f.robotRecord(project.name, 'ci');
    await f.store().createRobot(robot);
    await assert.rejects(f.store().createRobot({ ...robot, actions: ['push'], secretHash: 'other' }));
    assert.deepEqual(await f.store().robot(robot.name), robot);
    const orphan = f.robotRecord(f.name('no-project'), 'ci');
    await assert.rejects(f.store().createRobot(orphan));
    assert.equal(await f.store().robot(orphan.name), undefined);
    assert.equal(await f.store().deleteRobot(robot.name), true);
  });

  test('listRobots lists one project or all, by name; deleteRobot reports existence', async () => {
    const first = await f.createProject('robots-list');
    const second = await f.createProject('robots-list-other');
    const ours = ['zeta', 'Alpha', 'mid'].map((label) => f.robotRecord(first.name, label));
    const theirs = f.robotRecord(second.name, 'other');
    for (const robot of [...ours, theirs]) await f.store().createRobot(robot);

    assert.deepEqual(await f.store().listRobots(first.name), byName(ours));
    assert.deepEqual(await f.store().listRobots(second.name), [theirs]);
    assert.deepEqual(await f.store().listRobots(f.name('no-project')), []);
    const all = f.mine(await f.store().listRobots(undefined)).filter((r) => r.project === first.name || r.project === second.name);
    assert.deepEqual(all, byName([...ours, theirs]));

    assert.equal(await f.store().deleteRobot(ours[0].name), true);
    assert.equal(await f.store().deleteRobot(ours[0].name), false);
    assert.equal(await f.store().robot(ours[0].name), undefined);
    assert.deepEqual(await f.store().listRobots(first.name), byName(ours.slice(1)));
    for (const robot of [...ours.slice(1), theirs]) assert.equal(await f.store().deleteRobot(robot.name), true);
  });
}
