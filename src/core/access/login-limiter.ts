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
 * Memory is bounded: each table holds at most `maxKeys` entries, dropping expired ones first
 * and then the least recently touched.
 */
export interface LimiterOptions {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  pairForgetMs: number;
  perAddress: number;
  perAccount: number;
  windowMs: number;
  knownMs: number;
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

interface Backoff {
  failures: number;
  lastAt: number;
  until: number;
}

interface Window {
  failures: number;
  resetAt: number;
}

export class LoginLimiter {
  private readonly pairs: BoundedTable<Backoff>;
  private readonly addresses: BoundedTable<Window>;
  private readonly accounts: BoundedTable<Window>;
  private readonly known: BoundedTable<number>;

  constructor(private readonly options: LimiterOptions) {
    const now = options.now;
    this.pairs = new BoundedTable(options.maxKeys, (b) => b.lastAt + options.pairForgetMs <= now());
    this.addresses = new BoundedTable(options.maxKeys, (w) => w.resetAt <= now());
    this.accounts = new BoundedTable(options.maxKeys, (w) => w.resetAt <= now());
    this.known = new BoundedTable(options.maxKeys, (until) => until <= now());
  }

  /** Why and how long this attempt must wait, or undefined when it may go ahead. */
  blocked(account: string, address: string | undefined): Block | undefined {
    const now = this.options.now();
    const pair = this.pairs.get(pairKey(account, address));
    if (pair && pair.until > now) return { scope: 'account-address', waitMs: pair.until - now };
    if (address !== undefined && this.known.get(pairKey(account, address)) !== undefined) return undefined;
    const byAddress = address === undefined ? undefined : this.addresses.get(address);
    if (byAddress && byAddress.failures >= this.options.perAddress) return { scope: 'address', waitMs: byAddress.resetAt - now };
    const byAccount = this.accounts.get(account);
    if (byAccount && byAccount.failures >= this.options.perAccount) return { scope: 'account', waitMs: byAccount.resetAt - now };
    return undefined;
  }

  /** A failed check. Without an account (a name no account can have), only the address counts. */
  fail(account: string | undefined, address: string | undefined): void {
    const now = this.options.now();
    if (address !== undefined) this.bumpWindow(this.addresses, address, now);
    if (account === undefined) return;
    this.bumpWindow(this.accounts, account, now);
    const key = pairKey(account, address);
    const pair = this.pairs.get(key) ?? { failures: 0, lastAt: now, until: 0 };
    pair.failures++;
    pair.lastAt = now;
    const over = pair.failures - this.options.freeFailures - 1;
    if (over >= 0) pair.until = now + Math.min(this.options.baseDelayMs * 2 ** Math.min(over, 30), this.options.maxDelayMs);
    this.pairs.set(key, pair);
  }

  succeed(account: string, address: string | undefined): void {
    const key = pairKey(account, address);
    this.pairs.delete(key);
    if (address !== undefined) this.known.set(key, this.options.now() + this.options.knownMs);
  }

  /** How many entries the tables hold, for tests of the memory bound. */
  get size(): number {
    return this.pairs.size + this.addresses.size + this.accounts.size + this.known.size;
  }

  private bumpWindow(table: BoundedTable<Window>, key: string, now: number): void {
    const window = table.get(key);
    if (window) {
      window.failures++;
      table.set(key, window);
    } else {
      table.set(key, { failures: 1, resetAt: now + this.options.windowMs });
    }
  }
}

function pairKey(account: string, address: string | undefined): string {
  return `${address ?? ''}\0${account}`;
}

/**
 * A Map capped at `max` entries. Expired entries read as absent and are dropped; on overflow the
 * expired ones go first (checked a bounded number at a time, oldest first), then the least
 * recently set.
 */
class BoundedTable<T> {
  private readonly map = new Map<string, T>();

  constructor(
    private readonly max: number,
    private readonly expired: (value: T) => boolean,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): T | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    if (this.expired(value)) {
      this.map.delete(key);
      return undefined;
    }
    return value;
  }

  set(key: string, value: T): void {
    // Re-inserting moves the key to the end, so iteration order is least recently set first.
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size <= this.max) return;
    let checked = 0;
    for (const [oldKey, oldValue] of this.map) {
      if (this.map.size <= this.max || checked++ >= 64) break;
      if (this.expired(oldValue)) this.map.delete(oldKey);
    }
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}
