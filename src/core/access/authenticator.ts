/**
 * Checks a username and secret (HTTP Basic, or the token endpoint's password grant) and says
 * who it is. The secret may be a user's password, a personal access token issued to that user
 * (`bpat_<id>_<secret>`), or, for a `robot$…` name, the robot's secret. Disabled accounts,
 * expired robots and expired tokens fail exactly like a wrong password; the reason goes to the
 * audit log, never to the client. The principal says which credential was used (credential.ts).
 */
import { randomUUID } from 'node:crypto';
import type { AccessStore } from '../../ports/access-store.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import { TooManyRequestsError, UnauthorizedError } from '../errors.js';
import type { AuditLog } from './audit-log.js';
import { fingerprintOf, type StoredCredentialKind } from './credential.js';
import type { Block, LoginLimiter } from './login-limiter.js';
import type { Principal } from './principal.js';
import { VerifiedSecrets } from './verified-secrets.js';

export const ROBOT_PREFIX = 'robot$';
export const TOKEN_PREFIX = 'bpat_';

/**
 * Longer than any account name: a robot's `robot$` + project (at most 255) + `+` + name (at most
 * 64) is 326 characters; a user's is at most 64.
 */
export const MAX_LOGIN_NAME_LENGTH = 326;
/** Far more than any secret Berth issues or accepts (passwords are at most 72 bytes). */
export const MAX_LOGIN_SECRET_BYTES = 1024;
/** Audit actors for refused attempts whose name is junk or irrelevant. */
export const INVALID_NAME_ACTOR = '(invalid name)';
export const ANY_NAME_ACTOR = '(any name)';

const THROTTLED: Record<Block['scope'], string> = {
  'account-address': 'too many failed logins for this account from this address; wait and try again',
  address: 'too many failed logins from this address; wait and try again',
  account: 'too many failed logins for this account; wait and try again, or sign in from an address that signed in before',
};

/** Which part of a login no account could match, if any. */
function implausibleLogin(username: string, secret: string): 'name' | 'secret' | undefined {
  if (username.length > MAX_LOGIN_NAME_LENGTH || /[\u0000-\u001f\u007f-\u009f]/.test(username)) return 'name';
  if (secret.length > MAX_LOGIN_SECRET_BYTES || Buffer.byteLength(secret) > MAX_LOGIN_SECRET_BYTES) return 'secret';
  return undefined;
}

export class Authenticator {
  /** A hash of a secret nobody knows, verified against for unknown names (see check()). */
  private dummyHash: Promise<string> | undefined;
  private verifiedSecrets: VerifiedSecrets | undefined;

  constructor(
    private readonly store: AccessStore,
    private readonly hasher: PasswordHasher,
    private readonly limiter: LoginLimiter,
    private readonly audit: AuditLog,
    private readonly now: () => Date,
  ) {}

  async login(username: string, secret: string, clientIp: string | undefined): Promise<Principal> {
    // No account has such a name or secret: refuse before the limiter keys on it or the KDF
    // spends time on it, and audit it under one name so a flood of distinct junk shares rows.
    const implausible = implausibleLogin(username, secret);
    if (implausible !== undefined) {
      await this.limiter.fail(implausible === 'name' ? undefined : username, clientIp);
      const actor = implausible === 'name' ? INVALID_NAME_ACTOR : username;
      await this.audit.count({ actor, clientIp, action: 'login', result: 'failure', detail: `${implausible} too long or not printable` });
      throw new UnauthorizedError('invalid username or password');
    }
    const blocked = await this.limiter.blocked(username, clientIp);
    if (blocked !== undefined) {
      // Blocked by address: the names tried say nothing more, and would let a spray add rows.
      const actor = blocked.scope === 'address' ? ANY_NAME_ACTOR : username;
      await this.audit.count({ actor, clientIp, action: 'login', result: 'denied', detail: `rate limited (${blocked.scope})` });
      throw new TooManyRequestsError(THROTTLED[blocked.scope], { retryAfterSeconds: Math.max(1, Math.ceil(blocked.waitMs / 1000)) });
    }
    const outcome = await this.check(username, secret);
    if (typeof outcome === 'string') {
      await this.limiter.fail(username, clientIp);
      await this.audit.count({ actor: username, clientIp, action: 'login', result: 'failure', detail: outcome });
      throw new UnauthorizedError('invalid username or password');
    }
    await this.limiter.succeed(username, clientIp);
    // Counted, not appended: docker sends its stored credentials to /token for every pull and
    // push, and the API takes Basic or a PAT on every request.
    await this.audit.count({ actor: username, clientIp, action: 'login', result: 'success' });
    return outcome;
  }

  /**
   * Re-reads an account named by a token, so a disabled user or a deleted robot loses access
   * at once rather than when its token expires. Undefined when the account no longer may act.
   */
  async resolve(name: string, kind: 'user' | 'robot'): Promise<Principal | undefined> {
    if (kind === 'robot') {
      const robot = await this.store.robot(name);
      if (!robot || robot.disabled || this.expired(robot.expiresAt)) return undefined;
      return { kind: 'robot', name, project: robot.project, actions: robot.actions.filter(isRobotAction) };
    }
    const user = await this.store.user(name);
    if (!user || user.disabled) return undefined;
    return { kind: 'user', name, systemAdmin: user.systemAdmin };
  }

  /**
   * Signs in with a personal access token alone (`Authorization: Bearer bpat_…` on /api/v1):
   * the token names its owner, and the rest is an ordinary login as that owner, throttling and
   * audit included. An unknown token is a failed login of nobody in particular.
   */
  async loginWithToken(token: string, clientIp: string | undefined): Promise<Principal> {
    const [id] = token.startsWith(TOKEN_PREFIX) ? splitToken(token) : [undefined];
    const record = id === undefined ? undefined : await this.store.token(id);
    return this.login(record?.user ?? '', token, clientIp);
  }

  /**
   * The account a refresh token names, if the credential that obtained the refresh token still
   * stands: the password or robot secret unchanged (same fingerprint), the personal access
   * token neither revoked nor expired, and the account still allowed to sign in.
   */
  async resolveCredential(
    name: string,
    kind: 'user' | 'robot',
    credential: { kind: StoredCredentialKind; ref: string },
  ): Promise<Principal | undefined> {
    if (kind === 'robot') {
      const robot = await this.store.robot(name);
      if (!robot || credential.kind !== 'robot' || fingerprintOf(robot.secretHash) !== credential.ref) return undefined;
      const principal = await this.resolve(name, 'robot');
      return principal?.kind === 'robot' ? { ...principal, credential: { kind: 'robot', fingerprint: credential.ref } } : undefined;
    }
    const user = await this.store.user(name);
    if (!user) return undefined;
    if (credential.kind === 'password') {
      if (fingerprintOf(user.passwordHash) !== credential.ref) return undefined;
    } else if (credential.kind === 'pat') {
      const token = await this.store.token(credential.ref);
      if (!token || token.user !== name || this.expired(token.expiresAt)) return undefined;
    } else {
      return undefined;
    }
    const principal = await this.resolve(name, 'user');
    const proof = credential.kind === 'password' ? { kind: 'password' as const, fingerprint: credential.ref } : { kind: 'pat' as const, id: credential.ref };
    return principal?.kind === 'user' ? { ...principal, credential: proof } : undefined;
  }

  /** Verifies through the short memo of successful checks (verified-secrets.ts). */
  private verifySecret(secret: string, storedHash: string): Promise<boolean> {
    this.verifiedSecrets ??= new VerifiedSecrets(this.hasher, () => this.now().getTime());
    return this.verifiedSecrets.verify(secret, storedHash);
  }

  /** The principal, with how it signed in, or a reason for failure (for the audit log only). */
  private async check(username: string, secret: string): Promise<Principal | string> {
    if (username.startsWith(ROBOT_PREFIX)) {
      const robot = await this.store.robot(username);
      if (!robot) return 'unknown robot';
      if (!(await this.verifySecret(secret, robot.secretHash))) return 'wrong robot secret';
      if (robot.disabled) return 'robot disabled';
      if (this.expired(robot.expiresAt)) return 'robot expired';
      const credential = { kind: 'robot' as const, fingerprint: fingerprintOf(robot.secretHash) };
      return { kind: 'robot', name: robot.name, project: robot.project, actions: robot.actions.filter(isRobotAction), credential };
    }
    const user = await this.store.user(username);
    if (!user) {
      // Spend the same time as a real check so response timing does not reveal which names exist.
      this.dummyHash ??= this.hasher.hash(randomUUID());
      await this.hasher.verify(secret, await this.dummyHash);
      return 'unknown user';
    }
    let credential: { kind: 'pat'; id: string } | { kind: 'password'; fingerprint: string };
    if (secret.startsWith(TOKEN_PREFIX)) {
      const [id, tokenSecret] = splitToken(secret);
      const token = id === undefined ? undefined : await this.store.token(id);
      if (!token || token.user !== username || tokenSecret === undefined) return 'unknown token';
      if (!(await this.verifySecret(tokenSecret, token.secretHash))) return 'wrong token secret';
      if (this.expired(token.expiresAt)) return 'token expired';
      await this.store.touchToken(token.id, this.now());
      credential = { kind: 'pat', id: token.id };
    } else if (!(await this.verifySecret(secret, user.passwordHash))) {
      return 'wrong password';
    } else {
      credential = { kind: 'password', fingerprint: fingerprintOf(user.passwordHash) };
    }
    if (user.disabled) return 'user disabled';
    return { kind: 'user', name: user.name, systemAdmin: user.systemAdmin, credential };
  }

  private expired(at: Date | undefined): boolean {
    return at !== undefined && at.getTime() <= this.now().getTime();
  }
}

function splitToken(secret: string): [string | undefined, string | undefined] {
  const rest = secret.slice(TOKEN_PREFIX.length);
  const cut = rest.indexOf('_');
  return cut === -1 ? [undefined, undefined] : [rest.slice(0, cut), rest.slice(cut + 1)];
}

function isRobotAction(action: string): action is 'pull' | 'push' | 'delete' {
  return action === 'pull' || action === 'push' || action === 'delete';
}
