/**
 * Making a project a proxy and changing its upstream: only system admins may (a proxy makes the
 * registry open connections to any address it is given, with credentials it keeps). The input
 * is checked, the password sealed (SecretBox) before it is stored and never shown again, and
 * the upstream asked to prove it is a registry that accepts the credentials (UpstreamRegistry.ping)
 * unless the caller says not to.
 */
import type { ProxySettings, ProxyStore } from '../../ports/proxy-store.js';
import type { SecretBox } from '../../ports/secret-box.js';
import { UpstreamError, type OpenUpstream } from '../../ports/upstream-registry.js';
import { InvalidInputError } from '../errors.js';
import { displayUpstream } from './mirror.js';
import { checkCa, DEFAULT_TAG_TTL_SECONDS, normalizeUpstreamUrl, parseTtl, type ProxyInput } from './proxy-settings.js';
import { openTarget } from './proxy-target.js';

export interface ProxyAdminDeps {
  store: ProxyStore;
  secrets: SecretBox;
  openUpstream: OpenUpstream;
  /** Told when a project's settings changed, so this process uses them at once. */
  changed?: (project: string) => void;
}

/** What anyone who can see a proxy project is told of it (never the password). */
export interface ProxyView {
  url: string;
  /** The upstream's name: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  upstream: string;
  /** Shown to system admins only. */
  username?: string;
  hasPassword: boolean;
  ttlSeconds: number;
  hasCa: boolean;
  skipVerify: boolean;
}

export function proxyView(settings: ProxySettings, showUsername: boolean): ProxyView {
  return {
    url: settings.url,
    upstream: displayUpstream(settings.url),
    ...(showUsername && settings.username !== undefined ? { username: settings.username } : {}),
    hasPassword: settings.sealedPassword !== undefined,
    ttlSeconds: settings.ttlSeconds,
    hasCa: settings.caPem !== undefined,
    skipVerify: settings.skipVerify,
  };
}

/**
 * New settings from input: over `previous` (a change) a field left out stays, `null` clears it;
 * without, `url` is required and the rest defaults (TTL a day, no credentials, system CAs).
 */
export async function settingsFrom(secrets: SecretBox, input: ProxyInput, previous?: ProxySettings): Promise<ProxySettings> {
  if (previous === undefined && (input.url === undefined || input.url === '')) throw new InvalidInputError('a proxy project needs proxy.url (the upstream registry)');
  const url = input.url === undefined ? previous!.url : normalizeUpstreamUrl(input.url);
  const username = input.username === undefined ? previous?.username : input.username === null || input.username === '' ? undefined : input.username;
  if (username !== undefined && (username.length > 256 || /[\s:]/.test(username))) {
    throw new InvalidInputError('proxy username must be at most 256 characters without spaces or colons');
  }
  let sealedPassword = previous?.sealedPassword;
  if (input.password === null || input.password === '') sealedPassword = undefined;
  else if (input.password !== undefined) {
    if (input.password.length > 4096) throw new InvalidInputError('proxy password is longer than 4096 characters');
    sealedPassword = await secrets.seal(input.password);
  }
  if (sealedPassword !== undefined && username === undefined) throw new InvalidInputError('a proxy password needs a proxy username');
  const caPem = input.ca === undefined ? previous?.caPem : input.ca === null || input.ca === '' ? undefined : checkCa(input.ca);
  return {
    url,
    username,
    sealedPassword,
    ttlSeconds: input.ttl === undefined ? (previous?.ttlSeconds ?? DEFAULT_TAG_TTL_SECONDS) : parseTtl(input.ttl),
    caPem,
    skipVerify: input.skipVerify ?? previous?.skipVerify ?? false,
  };
}

/** Pings the upstream with the settings; refuses with the upstream's own words when it fails. */
export async function checkUpstream(deps: Pick<ProxyAdminDeps, 'openUpstream' | 'secrets'>, project: string, settings: ProxySettings): Promise<void> {
  const client = await openTarget(deps, project, settings);
  try {
    await client.ping({ signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    const message = error instanceof UpstreamError ? error.message : `${displayUpstream(settings.url)} did not answer: ${(error as Error).message}`;
    throw new InvalidInputError(`${message} (pass --no-check, or "check": false, to save the settings anyway)`, {
      upstream: displayUpstream(settings.url),
      ...(error instanceof UpstreamError ? { reason: error.kind, status: error.status } : {}),
    }, { cause: error });
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** The audit detail of a change: what was set, never a secret. */
export function proxyDetail(settings: ProxySettings): string {
  const parts = [`proxy=${settings.url}`, `ttl=${settings.ttlSeconds}s`];
  if (settings.username !== undefined) parts.push(`username=${settings.username}`);
  if (settings.sealedPassword !== undefined) parts.push('password=set');
  if (settings.caPem !== undefined) parts.push('ca=set');
  if (settings.skipVerify) parts.push('skipverify=true');
  return parts.join(' ');
}
