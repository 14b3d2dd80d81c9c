/**
 * Why a caller was refused, worded so they know what to do next. The wording never tells a
 * caller more than they may see: a private project they have no part in reads exactly like a
 * project that does not exist, so an outsider cannot learn which private projects exist.
 *
 * Messages stay printable ASCII without quotes or backslashes: docker prints a challenge's
 * `error_description` as the reason of a failed push, and a challenge parameter cannot carry
 * anything else unescaped.
 */
import { roleActions, type Action } from './actions.js';
import type { Principal } from './principal.js';
import type { ProjectRole } from '../../ports/access-store.js';

/** What the Authorizer found out about the caller and the project, in that order of checks. */
export type RefusalFacts =
  | { kind: 'anonymous' }
  | { kind: 'hidden'; project: string; createOnPush: boolean }
  | { kind: 'member'; project: string; role: ProjectRole; action: Action }
  | { kind: 'public-outsider'; project: string; action: Action }
  | { kind: 'robot'; robot: Extract<Principal, { kind: 'robot' }>; project: string; action: Action };

/** `host` is the registry's address as the client reached it (for the `docker login` hint). */
export function refusalMessage(facts: RefusalFacts, host: string): string {
  switch (facts.kind) {
    case 'anonymous':
      return signInMessage(host);
    case 'hidden':
      return (
        `project ${facts.project} does not exist or you have no access to it; ` +
        `if it does not exist, a system admin can create it (berth project add ${facts.project} / POST /api/v1/projects)` +
        (facts.createOnPush ? '' : ' or turn on auth.builtin.createprojects (berth settings set auth.builtin.createprojects true) so that a push creates it') +
        `; if it exists, ask one of its project admins to add you`
      );
    case 'member':
      return (
        `your role in project ${facts.project} is ${facts.role}, which may ${wordList(roleActions[facts.role])} only; ` +
        `ask a project admin for ${roleFor(facts.action)}`
      );
    case 'public-outsider':
      return (
        `you are not a member of project ${facts.project} (it is public: anyone signed in may pull); ` +
        `ask a project admin to add you as ${roleFor(facts.action)}`
      );
    case 'robot': {
      const { robot } = facts;
      const grant = wordList(robot.actions);
      return facts.project === robot.project
        ? `robot ${robot.name} may ${grant || 'do nothing'} in project ${robot.project}, not ${facts.action}; ask a project admin for a robot whose grant includes ${facts.action}`
        : `robot ${robot.name} may act only in project ${robot.project} (${grant || 'nothing'}); use a robot of project ${facts.project} or sign in as a user`;
    }
  }
}

/** For a caller who has not signed in, whatever they asked for: signing in is the next step. */
export function signInMessage(host: string): string {
  return `authentication required: access control is on; log in with \`docker login ${host}\``;
}

/** The least role that may do `action`. */
function roleFor(action: Action): ProjectRole {
  return action === 'pull' ? 'guest' : action === 'push' ? 'developer' : 'maintainer';
}

function wordList(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
