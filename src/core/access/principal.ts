/** Who is making a request, once their credentials have been checked. */
import type { Action } from './actions.js';
import type { Credential } from './credential.js';

/**
 * `credential` says how the caller signed in, when they did so in this request (Basic, a
 * personal access token, the CLI); a principal read back from a registry token has none.
 */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; name: string; systemAdmin: boolean; credential?: Credential }
  | { kind: 'robot'; name: string; project: string; actions: readonly Action[]; credential?: Credential };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export function principalName(principal: Principal): string {
  return principal.kind === 'anonymous' ? 'anonymous' : principal.name;
}
