/**
 * Failed-login throttling, in process memory, built so that nobody can lock an owner out:
 *
 * - per (account, address): the first `freeFailures` failures cost nothing; each further one
 *   makes the next attempt wait, starting at `baseDelayMs` and doubling up to `maxDelayMs`. This is what slows
 *   a guesser; it touches only the guesser's own address. Forgotten `pairForgetMs` after the
 *   last failure, and on a successful login.
 * - per address: more than `perAddress` failures (any names) within `windowMs` block that
 *   address for the rest of the window, a coarse guard against spraying many names.
 * - per account: more than `perAccount` failures (any addresses) within `windowMs` block the
 *   account for the rest of the window, against guessing one password from many addresses.
 *
 * An address that signed in successfully as an account within `knownMs` is "known" for that
 * account and is exempt from the per-address and per-account blocks (not from its own backoff):
 * an attacker hammering alice's name elsewhere, or sharing a proxy with her, does not lock her
 * out. While blocked, an attempt is refused whatever the password, so guessing gains nothing.
 *
 * The counts live behind the LoginThrottleStore port: in memory for one process (bounded:
 * each table holds at most `maxKeys` entries), in the shared database for several instances,
 * so failures spread over the instances behind a load balancer add up (see
 * docs/architecture-decisions.md, "Shared state").
 */
import type { LoginThrottleStore } from '../../ports/login-throttle-store.js';

export interface LimiterOptions {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  pairForgetMs: number;
  perAddress: number;
  perAccount: number;
  windowMs: number;
  knownMs: number;
  /** The memory store's bound per table (the caller builds the store). */
  maxKeys: number;
  now: () => number;
}

/** Berth's defaults; see docs/security.md. */
export const DEFAULT_LIMITS: Omit<LimiterOptions, 'now'> = {
  freeFailures: 10,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
  pairForgetMs: 60 * 60_000,
  perAddress: 100,
  perAccount: 100,
  windowMs: 15 * 60_000,
  knownMs: 30 * 24 * 3600_000,
  maxKeys: 10_000,
};

/** Which limit refused an attempt, and for how long. */
export interface Block {
  scope: 'account-address' | 'address' | 'account';
  waitMs: number;
}

export class LoginLimiter {
  constructor(
    private readonly options: LimiterOptions,
    private readonly store: LoginThrottleStore,
  ) {}

  /** Why and how long this attempt must wait, or undefined when it may go ahead. */
  async blocked(account: string, address: string | undefined): Promise<Block | undefined> {
    const now = this.options.now();
    const pairId = pairKey(account, address);
    const [pair, known, byAddress, byAccount] = await this.store.read(
      [
        { table: 'pair', key: pairId },
        { table: 'known', key: pairId },
        { table: 'address', key: address ?? '' },
        { table: 'account', key: account },
      ],
      now,
    );
    const until = pair === undefined ? 0 : this.backoffUntil(pair.count, pair.lastAt);
    if (until > now) return { scope: 'account-address', waitMs: until - now };
    if (address !== undefined && known !== undefined) return undefined;
    if (address !== undefined && byAddress && byAddress.count >= this.options.perAddress) return { scope: 'address', waitMs: byAddress.expiresAt - now };
    if (byAccount && byAccount.count >= this.options.perAccount) return { scope: 'account', waitMs: byAccount.expiresAt - now };
    return undefined;
  }

  /** A failed check. Without an account (a name no account can have), only the address counts. */
  async fail(account: string | undefined, address: string | undefined): Promise<void> {
    const now = this.options.now();
    const { windowMs, pairForgetMs } = this.options;
    const hits: Array<Promise<unknown>> = [];
    if (address !== undefined) hits.push(this.store.hit('address', address, now, windowMs, false));
    if (account !== undefined) {
      hits.push(this.store.hit('account', account, now, windowMs, false));
      hits.push(this.store.hit('pair', pairKey(account, address), now, pairForgetMs, true));
    }
    await Promise.all(hits);
  }

  async succeed(account: string, address: string | undefined): Promise<void> {
    const key = pairKey(account, address);
    const now = this.options.now();
    await Promise.all([
      this.store.remove('pair', key),
      address === undefined ? undefined : this.store.mark('known', key, now, now + this.options.knownMs),
    ]);
  }

  /**
   * The pair's backoff follows from its count and its last failure alone (each failure past
   * the free ones waits twice as long as the one before), so a shared store need only count.
   */
  private backoffUntil(failures: number, lastAt: number): number {
    const over = failures - this.options.freeFailures - 1;
    if (over < 0) return 0;
    return lastAt + Math.min(this.options.baseDelayMs * 2 ** Math.min(over, 30), this.options.maxDelayMs);
  }
}

/** An address never holds a space, so the first one ends it. */
function pairKey(account: string, address: string | undefined): string {
  return `${address ?? ''} ${account}`;
}
