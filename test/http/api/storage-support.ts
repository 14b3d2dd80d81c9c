/**
 * What the storage API tests share: an API server whose storage clock the test moves (push
 * times, retention, collection), a team of accounts with one role each, and pushing over /v2
 * as the bootstrap admin.
 */
import { client, expectStatus, type Client } from '../support/http-client.js';
import { withHeaders } from '../support/auth.js';
import type { TestServer } from '../../support/test-server.js';
import type { ManualClock } from '../support/storage.js';
import { ADMIN_PASSWORD, api, basic, startApiServer, type Api } from './api-support.js';

/** An API server on a storage clock that starts at the real time and moves when the test says. */
export async function startStorageServer(clock: ManualClock, options: { deleteEnabled?: boolean } = {}): Promise<TestServer> {
  return startApiServer({ ...options, now: clock.now });
}

export const ROLES = { lead: 'admin', maint: 'maintainer', dev: 'developer', guest: 'guest' } as const;
export type TeamMember = keyof typeof ROLES | 'outsider' | 'admin' | 'anonymous';

/** An API client per account (system admin, one per project role, an outsider, nobody). */
export type Team = Record<TeamMember, Api> & { authorization: Partial<Record<TeamMember, string>> };

export async function makeTeam(server: TestServer): Promise<Team> {
  const authorization: Partial<Record<TeamMember, string>> = { admin: basic('admin', ADMIN_PASSWORD) };
  const admin = api(server, authorization.admin);
  for (const name of [...Object.keys(ROLES), 'outsider'] as TeamMember[]) {
    const password = `${name}-password`;
    expectStatus(await admin.send('POST', '/api/v1/users', { name, password }), 201, `create ${name}`);
    authorization[name] = basic(name, password);
  }
  const as = (name: TeamMember) => api(server, authorization[name]);
  return {
    admin,
    lead: as('lead'),
    maint: as('maint'),
    dev: as('dev'),
    guest: as('guest'),
    outsider: as('outsider'),
    anonymous: api(server, undefined),
    authorization,
  };
}

/** A private project where each team member has the role named after them. */
export async function projectWithTeam(team: Team, name: string): Promise<void> {
  expectStatus(await team.admin.send('POST', '/api/v1/projects', { name }), 201, `create project ${name}`);
  for (const [user, role] of Object.entries(ROLES)) {
    expectStatus(await team.admin.send('PUT', `/api/v1/projects/${name}/members/${user}`, { role }), 200, `add ${user}`);
  }
}

/** A /v2 client signed in as the bootstrap admin (Basic, checked once and memoised). */
export function registryAsAdmin(server: TestServer): Client {
  return withHeaders(client(server.url), { authorization: basic('admin', ADMIN_PASSWORD) });
}
