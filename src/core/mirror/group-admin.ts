/**
 * Checking a group project's settings: its members exist, are hosted or proxy projects (no
 * group in a group: resolution stays one level and cannot loop), appear once, and the push
 * member is one of them and hosted (a proxy refuses pushes anyway).
 */
import type { GroupSettings, ProxyStore } from '../../ports/proxy-store.js';
import { InvalidInputError } from '../errors.js';

export interface GroupInput {
  members?: string[];
  /** The hosted member receiving pushes; null clears it (pushes to the group refused). */
  pushTo?: string | null;
}

export const MAX_GROUP_MEMBERS = 32;

export async function groupFrom(
  group: string,
  input: GroupInput,
  previous: GroupSettings | undefined,
  store: ProxyStore,
  projectExists: (name: string) => Promise<boolean>,
): Promise<GroupSettings> {
  const members = input.members ?? previous?.members;
  if (members === undefined || members.length === 0) throw new InvalidInputError('a group project needs group.members (one or more projects, in pull order)');
  if (members.length > MAX_GROUP_MEMBERS) throw new InvalidInputError(`a group has at most ${MAX_GROUP_MEMBERS} members`, { members: members.length });
  if (new Set(members).size !== members.length) throw new InvalidInputError('group members must be listed once each', { members });
  for (const member of members) {
    if (member === group) throw new InvalidInputError(`group ${group} cannot be its own member`, { member });
    if (!(await projectExists(member))) throw new InvalidInputError(`group member ${member} is not a project; create it first`, { member });
    if ((await store.group(member)) !== undefined) throw new InvalidInputError(`group member ${member} is itself a group; list its members instead`, { member });
  }
  const pushTo = input.pushTo === undefined ? previous?.pushTo : input.pushTo ?? undefined;
  if (pushTo !== undefined) {
    if (!members.includes(pushTo)) throw new InvalidInputError(`push member ${pushTo} is not one of the group's members (${members.join(', ')})`, { pushTo });
    if ((await store.get(pushTo)) !== undefined) throw new InvalidInputError(`push member ${pushTo} is a proxy project, which refuses pushes; pick a hosted member`, { pushTo });
  }
  return { members, pushTo: members.includes(pushTo ?? '') ? pushTo : undefined };
}

export function groupDetail(settings: GroupSettings): string {
  return `group=${settings.members.join(',')}${settings.pushTo === undefined ? '' : ` push-to=${settings.pushTo}`}`;
}
