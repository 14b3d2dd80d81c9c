import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parseChallenges, pickChallenge } from './www-authenticate.js';

test("Docker Hub's challenge: realm, service and a scope with commas inside quotes", () => {
  const [challenge] = parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull,push"');
  assert.deepEqual(challenge, {
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull,push' },
  });
});

test('several challenges: Bearer is preferred over Basic; unknown schemes are ignored', () => {
  const challenges = parseChallenges('Basic realm="Registry", Negotiate, Bearer realm="http://x/token",service=berth');
  assert.deepEqual(challenges.map((c) => c.scheme), ['basic', 'bearer']);
  assert.equal(pickChallenge(challenges)?.params.service, 'berth');
  assert.equal(pickChallenge(parseChallenges(undefined)), undefined);
  assert.deepEqual(parseChallenges('Bearer realm="a\\"b"')[0]?.params, { realm: 'a"b' });
});
