/**
 * Browser sign-in sessions for the web UI. The cookie carries 256 random bits; the store keeps
 * only their SHA-256, so neither a database copy nor a log of it yields a usable cookie. The
 * CSRF token is derived from the cookie value (a keyed hash under a label), so it is bound to
 * the session, needs no storage, and cannot be computed by a page that cannot read the cookie.
 *
 * Only a password opens a session: robots and personal access tokens are for scripts, and a
 * session acts with the password's rights (it may create robots and tokens, as the CLI may).
 * Like a refresh token, a session names the password by fingerprint and is checked against the
 * account on every use, so a password change or reset, a disabled or a deleted user ends it at
 * once. Expiry is sliding (idle) within a fixed lifetime; last-seen is written at most once a
 * minute, so a busy page does not turn every read into a write.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AccessStore, SessionRecord } from '../../ports/access-store.js';
import { DeniedError, UnauthorizedError } from '../errors.js';
import type { AuditLog } from './audit-log.js';
import type { Authenticator } from './authenticator.js';
import type { Principal } from './principal.js';

export interface SessionOptions {
  idleTimeoutSeconds: number;
  lifetimeSeconds: number;
  maxPerUser: number;
  now: () => Date;
}

export type SessionUser = Extract<Principal, { kind: 'user' }>;

export interface OpenSession {
  /** The cookie value: shown to the browser once, never stored. */
  cookie: string;
  user: SessionUser;
  csrfToken: string;
}

export interface LiveSession {
  user: SessionUser;
  csrfToken: string;
}

export const PASSWORD_ONLY =
  'sign in with your user name and password: robot accounts and personal access tokens cannot open a browser session';

/** At most one last-seen write per session in this interval (less when the idle timeout is short). */
const TOUCH_INTERVAL_MS = 60_000;
/** Cookie values are 43 base64url characters; anything else is not one of ours. */
const COOKIE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export class SessionService {
  constructor(
    private readonly store: AccessStore,
    private readonly authenticator: Authenticator,
    private readonly audit: AuditLog,
    private readonly options: SessionOptions,
  ) {}

  get idleTimeoutSeconds(): number {
    return this.options.idleTimeoutSeconds;
  }

  get lifetimeSeconds(): number {
    return this.options.lifetimeSeconds;
  }

  /**
   * Checks the password exactly as `docker login` does (throttling, the login audit) and opens
   * a session. A robot secret or personal access token is refused even when valid.
   */
  async signIn(username: string, password: string, clientIp: string | undefined): Promise<OpenSession> {
    let principal: Principal;
    try {
      principal = await this.authenticator.login(username, password, clientIp);
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        await this.audit.count({ actor: username.slice(0, 100), clientIp, action: 'session.signin', result: 'failure' });
      }
      throw error;
    }
    if (principal.kind !== 'user' || principal.credential?.kind !== 'password') {
      const used = principal.kind === 'robot' ? 'robot secret' : 'personal access token';
      await this.audit.count({ actor: username, clientIp, action: 'session.signin', result: 'denied', detail: `reason=${used}` });
      throw new DeniedError(PASSWORD_ONLY, { needs: 'password' });
    }
    const now = this.options.now();
    await this.store.pruneSessions(now);
    await this.keepUnderCap(principal.name, clientIp);
    const cookie = randomBytes(32).toString('base64url');
    const record: SessionRecord = {
      idHash: hashOf(cookie),
      user: principal.name,
      credentialKind: 'password',
      credentialRef: principal.credential.fingerprint,
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: this.idleExpiry(now),
      expiresAt: new Date(now.getTime() + this.options.lifetimeSeconds * 1000),
    };
    await this.store.createSession(record);
    await this.audit.record({ actor: principal.name, clientIp, action: 'session.signin', result: 'success' });
    return { cookie, user: principal, csrfToken: csrfTokenOf(cookie) };
  }

  /**
   * The user a cookie stands for, or undefined when it is unknown, expired, or its password or
   * account changed (the record is then deleted). Slides the idle expiry.
   */
  async resolve(cookie: string): Promise<LiveSession | undefined> {
    if (!COOKIE_PATTERN.test(cookie)) return undefined;
    const idHash = hashOf(cookie);
    const record = await this.store.session(idHash);
    if (record === undefined) return undefined;
    const now = this.options.now();
    if (record.idleExpiresAt.getTime() <= now.getTime() || record.expiresAt.getTime() <= now.getTime()) {
      await this.store.deleteSessions({ idHash });
      return undefined;
    }
    const principal = await this.authenticator.resolveCredential(record.user, 'user', { kind: 'password', ref: record.credentialRef });
    if (principal?.kind !== 'user') {
      await this.store.deleteSessions({ idHash });
      return undefined;
    }
    const touchEvery = Math.min(TOUCH_INTERVAL_MS, (this.options.idleTimeoutSeconds * 1000) / 4);
    if (now.getTime() - record.lastSeenAt.getTime() >= touchEvery) {
      await this.store.touchSession(idHash, now, this.idleExpiry(now));
    }
    return { user: principal, csrfToken: csrfTokenOf(cookie) };
  }

  /** Ends the session a cookie names, if any; audited when there was one. */
  async signOut(cookie: string, clientIp: string | undefined): Promise<void> {
    if (!COOKIE_PATTERN.test(cookie)) return;
    const idHash = hashOf(cookie);
    const record = await this.store.session(idHash);
    if (record === undefined) return;
    await this.store.deleteSessions({ idHash });
    await this.audit.record({ actor: record.user, clientIp, action: 'session.signout', result: 'success' });
  }

  /** Whether `sent` is the CSRF token of the session `cookie` opened (constant time). */
  csrfMatches(cookie: string, sent: string | undefined): boolean {
    if (sent === undefined) return false;
    const expected = Buffer.from(csrfTokenOf(cookie));
    const given = Buffer.from(sent);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** Audits a cookie request refused for a missing or wrong CSRF token or a foreign Origin (counted: a hostile page can repeat it). */
  async refused(user: string, clientIp: string | undefined, reason: 'csrf token' | 'cross-site origin', request: string): Promise<void> {
    await this.audit.count({ actor: user, clientIp, action: 'session.request', result: 'denied', detail: `reason=${reason} request=${request}` });
  }

  private idleExpiry(now: Date): Date {
    return new Date(now.getTime() + this.options.idleTimeoutSeconds * 1000);
  }

  private async keepUnderCap(user: string, clientIp: string | undefined): Promise<void> {
    const sessions = await this.store.listSessions(user);
    const excess = sessions.length - this.options.maxPerUser + 1;
    for (const oldest of sessions.slice(0, Math.max(0, excess))) {
      await this.store.deleteSessions({ idHash: oldest.idHash });
      await this.audit.record({
        actor: user,
        clientIp,
        action: 'session.signout',
        result: 'success',
        detail: `reason=more than ${this.options.maxPerUser} sessions`,
      });
    }
  }
}

function hashOf(cookie: string): string {
  return createHash('sha256').update(cookie).digest('hex');
}

/** Keyed by the cookie itself: only whoever holds the cookie value (the server) can derive it. */
function csrfTokenOf(cookie: string): string {
  return createHmac('sha256', cookie).update('berth csrf v1').digest('base64url');
}
