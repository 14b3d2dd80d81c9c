/**
 * The `proxy` object of POST and PATCH /api/v1/projects: `url`, `username`, `password`, `ttl`
 * (seconds or `1h`), `ca` (PEM), `skipVerify`, `check` (false: save without pinging the
 * upstream). In a PATCH a field left out stays and `null` clears it.
 */
import type { GroupInput } from '../../core/mirror/group-admin.js';
import type { ProxyInput } from '../../core/mirror/proxy-settings.js';
import { InvalidInputError } from '../../core/errors.js';
import type { JsonObject } from './api-body.js';

const FIELDS = ['url', 'username', 'password', 'ttl', 'ca', 'skipVerify', 'check'] as const;

export function proxyBody(body: JsonObject): (ProxyInput & { check?: boolean }) | undefined {
  const value = body.proxy;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidInputError('proxy must be an object', { field: 'proxy' });
  const proxy = value as JsonObject;
  const unknown = Object.keys(proxy).filter((key) => !(FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0) throw new InvalidInputError(`unknown proxy field(s): ${unknown.slice(0, 5).join(', ')}; expected ${FIELDS.join(', ')}`, { allowed: FIELDS });
  const input: ProxyInput & { check?: boolean } = {};
  for (const key of ['url', 'username', 'password', 'ca'] as const) {
    const field = proxy[key];
    if (field === undefined) continue;
    if (field !== null && typeof field !== 'string') throw new InvalidInputError(`proxy.${key} must be a string or null`, { field: `proxy.${key}` });
    if (key === 'url') {
      if (field === null) throw new InvalidInputError('proxy.url cannot be cleared', { field: 'proxy.url' });
      input.url = field;
    } else input[key] = field;
  }
  const ttl = proxy.ttl;
  if (ttl !== undefined) {
    if (typeof ttl !== 'string' && typeof ttl !== 'number') throw new InvalidInputError('proxy.ttl must be seconds or a duration such as "1h"', { field: 'proxy.ttl' });
    input.ttl = ttl;
  }
  for (const key of ['skipVerify', 'check'] as const) {
    const field = proxy[key];
    if (field === undefined) continue;
    if (typeof field !== 'boolean') throw new InvalidInputError(`proxy.${key} must be true or false`, { field: `proxy.${key}` });
    input[key] = field;
  }
  return input;
}

/** The `group` object: `members` (project names, pull order), `pushTo` (a hosted member, or null). */
export function groupBody(body: JsonObject): GroupInput | undefined {
  const value = body.group;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidInputError('group must be an object', { field: 'group' });
  const group = value as JsonObject;
  const unknown = Object.keys(group).filter((key) => key !== 'members' && key !== 'pushTo');
  if (unknown.length > 0) throw new InvalidInputError(`unknown group field(s): ${unknown.slice(0, 5).join(', ')}; expected members, pushTo`, { allowed: ['members', 'pushTo'] });
  const input: GroupInput = {};
  if (group.members !== undefined) {
    if (!Array.isArray(group.members) || !group.members.every((m) => typeof m === 'string')) {
      throw new InvalidInputError('group.members must be an array of project names', { field: 'group.members' });
    }
    input.members = group.members as string[];
  }
  if (group.pushTo !== undefined) {
    if (group.pushTo !== null && typeof group.pushTo !== 'string') throw new InvalidInputError('group.pushTo must be a project name or null', { field: 'group.pushTo' });
    input.pushTo = group.pushTo;
  }
  return input;
}

/** `mirrorOf`: an upstream host, or (PATCH) null for none. */
export function mirrorBody(body: JsonObject): string | null | undefined {
  const value = body.mirrorOf;
  if (value === undefined || value === null || typeof value === 'string') return value;
  throw new InvalidInputError('mirrorOf must be a host name such as docker.io, or null', { field: 'mirrorOf' });
}
