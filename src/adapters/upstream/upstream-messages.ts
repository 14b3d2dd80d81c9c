/**
 * The words of every UpstreamError: each names the upstream and who uses it, and says what to
 * do. One place, so the messages stay consistent and a test can read them.
 */
import { UpstreamError } from '../../ports/upstream-registry.js';
import type { TransportError } from './http-transport.js';

export interface Who {
  /** `docker.io` */
  upstream: string;
  /** The host:port requests go to (`registry-1.docker.io`), to tell it from hosts redirected to. */
  host: string;
  /** `proxy project hub` */
  label: string;
  hasCredentials: boolean;
}

export function refused(who: Who, status: number, what: string, atTokenServer = false): UpstreamError {
  const message =
    status === 403
      ? `${who.upstream} denied ${who.label} access to ${what} (403): the upstream account lacks pull rights there`
      : who.hasCredentials
        ? `${who.upstream} refused the credentials of ${who.label}${atTokenServer ? ' at its token server' : ''}: check its username/password`
        : `${who.upstream} wants credentials for ${what} (401): the repository is private or does not exist; give ${who.label} a username/password or check the name`;
  return new UpstreamError('unauthorized', who.upstream, message, { status });
}

export function rateLimited(who: Who, status: number, retryAfterSeconds: number | undefined, what: string): UpstreamError {
  const wait = retryAfterSeconds === undefined ? '' : ` (retry after ${retryAfterSeconds} s)`;
  return new UpstreamError(
    'rate-limited',
    who.upstream,
    `${who.upstream} is rate-limiting ${who.label}${wait} while fetching ${what}: serve from the cache, wait, or give the project credentials with a higher pull limit`,
    { status, retryAfterSeconds },
  );
}

export function serverError(who: Who, status: number, what: string, retryAfterSeconds?: number): UpstreamError {
  return new UpstreamError(
    'unavailable',
    who.upstream,
    `${who.upstream} answered ${status} to ${who.label} for ${what}, after retries: the upstream is failing; try again later`,
    { status, retryAfterSeconds },
  );
}

export function unexpectedStatus(who: Who, status: number, what: string, host: string): UpstreamError {
  const where = host === who.host ? who.upstream : `${host} (reached through a redirect from ${who.upstream})`;
  return new UpstreamError('protocol', who.upstream, `${where} answered ${status} to ${who.label} for ${what}, which a registry should not; check the upstream URL`, { status });
}

export function protocol(who: Who, problem: string, cause?: unknown): UpstreamError {
  return new UpstreamError('protocol', who.upstream, `${who.upstream} ${problem}; ${who.label} refused it`, { cause });
}

export function notARegistry(who: Who, status: number, where: string): UpstreamError {
  return new UpstreamError(
    'not-found',
    who.upstream,
    `${where} answered ${status}: ${who.upstream} does not look like a registry (no /v2/ API or token service); check the upstream URL of ${who.label}`,
    { status },
  );
}

export function fromTransport(who: Who, error: TransportError, what: string): UpstreamError {
  const host = error.host === who.host ? who.upstream : `${error.host} (reached through ${who.upstream})`;
  switch (error.reason) {
    case 'connect-timeout':
    case 'headers-timeout':
    case 'idle-timeout':
      return new UpstreamError(
        'timeout',
        who.upstream,
        `${host} timed out for ${who.label} while fetching ${what} (${error.message}): check the upstream, or raise the timeout`,
        { cause: error },
      );
    case 'tls':
      return new UpstreamError(
        'unavailable',
        who.upstream,
        `${host} is not trusted by ${who.label} (${error.message}): give the upstream's CA certificate, or fix its certificate`,
        { cause: error },
      );
    default:
      return new UpstreamError(
        'unavailable',
        who.upstream,
        `${host} cannot be reached by ${who.label} (${error.message}): check the upstream URL and the network`,
        { cause: error },
      );
  }
}
