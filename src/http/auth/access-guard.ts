/**
 * Decides, before a /v2 handler runs, whether the request may proceed. Implementations:
 * `openAccess` (no authentication, the registry:2 default) and the token guard in
 * token-guard.ts. The guard also tells handlers what the caller may do elsewhere (a
 * cross-repository mount needs pull on the source) and filters listings.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Action } from '../../core/access/actions.js';

/** What a route needs: an action on a repository, the catalog, or just a known caller. */
export type Requirement =
  /**
   * `mountFrom`: a cross-repository mount's source, which the caller must also pull.
   * `asked`: the name the client asked for when a transparent mirror serves it as `name`.
   */
  | { kind: 'repository'; name: string; action: Action; mountFrom?: string; asked?: string }
  | { kind: 'catalog' }
  | { kind: 'authenticated' };

export interface CallerAccess {
  /** Whether the caller may `action` on `repository` (used for mount sources). */
  may(repository: string, action: Action): Promise<boolean>;
  /**
   * Whether the caller's account may `action` on `repository` now, whatever its token names.
   * Only for a repository that serves a name the guard already checked (a group's member):
   * the token named the group, and the member is judged on the account. `may` when absent.
   */
  accountMay?(repository: string, action: Action): Promise<boolean>;
  /** Of `repositories`, the ones the caller may pull. */
  pullable(repositories: string[]): Promise<string[]>;
  /** Audit actor name ('anonymous' when none). */
  actor: string;
  /** May act on every repository (no access control, or a system admin). */
  unrestricted: boolean;
  /**
   * For a caller who has not signed in where access control is on: the 401 (challenge set on
   * the reply) that tells them to, for a handler whose answer would otherwise be silently empty.
   */
  signInChallenge?: () => Error;
}

export interface AccessGuard {
  /** Resolves the caller and checks `needed`; throws Unauthorized/Denied errors otherwise. */
  check(request: FastifyRequest, reply: FastifyReply, needed: Requirement): Promise<CallerAccess>;
}

const everything: CallerAccess = {
  may: async () => true,
  pullable: async (repositories) => repositories,
  actor: 'anonymous',
  unrestricted: true,
};

export const openAccess: AccessGuard = {
  check: async () => everything,
};

/**
 * The requirement of a matched /v2 route (label from routes.ts) for an HTTP method; `mountFrom`
 * is the `from` of a mount request (POST …/blobs/uploads/?mount=&from=).
 */
export function requirementOf(label: string, method: string, name: string, mountFrom?: string): Requirement {
  switch (label) {
    case 'base':
      return { kind: 'authenticated' };
    case 'catalog':
      return { kind: 'catalog' };
    case 'upload-start':
      return mountFrom !== undefined && mountFrom !== name ? { kind: 'repository', name, action: 'push', mountFrom } : { kind: 'repository', name, action: 'push' };
    case 'upload':
      return { kind: 'repository', name, action: 'push' };
    default:
      if (method === 'DELETE') return { kind: 'repository', name, action: 'delete' };
      if (method === 'PUT' || method === 'POST' || method === 'PATCH') return { kind: 'repository', name, action: 'push' };
      return { kind: 'repository', name, action: 'pull' };
  }
}
