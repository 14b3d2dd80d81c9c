/**
 * Failed-login throttling per account and per client address, in process memory. Windows are
 * fixed per key: after `limit` failures within `windowMs`, further attempts are refused until
 * the window ends, whether or not the password would now be right (so guessing gains nothing).
 */
export interface LimiterOptions {
  perAccount: number;
  perAddress: number;
  windowMs: number;
  now: () => number;
}

interface Window {
  failures: number;
  resetAt: number;
}

export class LoginLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly options: LimiterOptions) {}

  /** Milliseconds until another attempt is allowed, or 0 when allowed now. */
  blockedFor(account: string, address: string | undefined): number {
    const now = this.options.now();
    const waits = [
      this.wait(`a:${account}`, this.options.perAccount, now),
      address === undefined ? 0 : this.wait(`i:${address}`, this.options.perAddress, now),
    ];
    return Math.max(...waits);
  }

  fail(account: string, address: string | undefined): void {
    this.bump(`a:${account}`);
    if (address !== undefined) this.bump(`i:${address}`);
  }

  succeed(account: string): void {
    this.windows.delete(`a:${account}`);
  }

  private wait(key: string, limit: number, now: number): number {
    const window = this.windows.get(key);
    if (!window) return 0;
    if (window.resetAt <= now) {
      this.windows.delete(key);
      return 0;
    }
    return window.failures >= limit ? window.resetAt - now : 0;
  }

  private bump(key: string): void {
    const now = this.options.now();
    const window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      this.windows.set(key, { failures: 1, resetAt: now + this.options.windowMs });
      // Bound memory under a spray of distinct names: drop expired windows now and then.
      if (this.windows.size > 10_000) this.prune(now);
      return;
    }
    window.failures++;
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
