/** Who is making a request, once their credentials have been checked. */
import type { Action } from './actions.js';

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; name: string; systemAdmin: boolean }
  | { kind: 'robot'; name: string; project: string; actions: readonly Action[] };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export function principalName(principal: Principal): string {
  return principal.kind === 'anonymous' ? 'anonymous' : principal.name;
}
