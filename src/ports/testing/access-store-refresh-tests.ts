/** AccessStore conformance: refresh token records (create, list, touch, revoke, prune, cascade). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RefreshTokenRecord } from '../access-store.js';
import { at, type Fixtures } from './access-store-fixtures.js';

function record(f: Fixtures, account: string, fields: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    id: f.name('refresh'),
    accountKind: 'user',
    account,
    credentialKind: 'password',
    credentialRef: 'fp-1',
    secretHash: 'sha256-of-secret',
    createdAt: at(0),
    expiresAt: at(86_400_000),
    lastUsedAt: undefined,
    revokedAt: undefined,
    ...fields,
  };
}

export function refreshTokenTests(f: Fixtures): void {
  test('refresh tokens round-trip, list oldest first per account, touch, and reject a taken id', async () => {
    const user = await f.createUser('refresh-owner');
    const first = record(f, user.name, { createdAt: at(1) });
    const second = record(f, user.name, { createdAt: at(2), credentialKind: 'pat', credentialRef: f.name('pat') });
    await f.store().createRefreshToken(second);
    await f.store().createRefreshToken(first);
    await assert.rejects(f.store().createRefreshToken({ ...first, account: 'someone-else' }));
    assert.deepEqual(await f.store().refreshToken(first.id), first);
    assert.deepEqual(await f.store().listRefreshTokens('user', user.name), [first, second]);
    assert.deepEqual(await f.store().listRefreshTokens('robot', user.name), [], 'the account kind is part of the key');
    await f.store().touchRefreshToken(first.id, at(5));
    await f.store().touchRefreshToken('no-such-id', at(5));
    assert.deepEqual((await f.store().refreshToken(first.id))?.lastUsedAt, at(5));
    assert.equal(await f.store().deleteUser(user.name), true);
    assert.equal(await f.store().refreshToken(first.id), undefined, 'deleteUser removes the refresh tokens');
    assert.equal(await f.store().refreshToken(second.id), undefined);
  });

  test('revokeRefreshTokens marks exactly the matching unrevoked tokens, and an empty match none', async () => {
    const user = await f.createUser('refresh-revoke');
    const pat = f.name('pat');
    const byPassword = record(f, user.name);
    const byPat = record(f, user.name, { credentialKind: 'pat', credentialRef: pat });
    const other = await f.createUser('refresh-other');
    const othersToken = record(f, other.name);
    for (const r of [byPassword, byPat, othersToken]) await f.store().createRefreshToken(r);

    assert.deepEqual(await f.store().revokeRefreshTokens({}, at(10)), []);
    assert.deepEqual(await f.store().revokeRefreshTokens({ credentialKind: 'pat', credentialRef: pat }, at(10)), [byPat.id]);
    assert.deepEqual(await f.store().revokeRefreshTokens({ credentialKind: 'pat', credentialRef: pat }, at(11)), [], 'already revoked');
    assert.deepEqual((await f.store().refreshToken(byPat.id))?.revokedAt, at(10));
    assert.deepEqual(await f.store().revokeRefreshTokens({ accountKind: 'user', account: user.name }, at(12)), [byPassword.id]);
    assert.equal((await f.store().refreshToken(othersToken.id))?.revokedAt, undefined, "another account's token is untouched");

    assert.equal(await f.store().pruneRefreshTokens('user', user.name, at(11)), 1, 'revoked before the cutoff');
    assert.equal(await f.store().pruneRefreshTokens('user', other.name, at(86_400_001)), 1, 'expired before the cutoff');
    assert.deepEqual(await f.store().listRefreshTokens('user', user.name), [{ ...byPassword, revokedAt: at(12) }]);
    assert.equal(await f.store().deleteUser(user.name), true);
    assert.equal(await f.store().deleteUser(other.name), true);
  });

  test('deleteRobot removes the robot’s refresh tokens', async () => {
    const project = await f.createProject('refresh-robots');
    const robot = f.robotRecord(project.name, 'ci');
    await f.store().createRobot(robot);
    const token = record(f, robot.name, { accountKind: 'robot', credentialKind: 'robot' });
    await f.store().createRefreshToken(token);
    assert.equal(await f.store().deleteRobot(robot.name), true);
    assert.equal(await f.store().refreshToken(token.id), undefined);
  });
}
