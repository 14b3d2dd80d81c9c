/**
 * Bearer tokens of one upstream, per (realm, service, scope): kept until `expires_in` minus a
 * margin (so a token never expires between being picked and being used), and fetched once per
 * key however many requests want it at the same time. A waiter's abort stops its wait, not the
 * shared fetch, which others may still be waiting for.
 */

export interface IssuedToken {
  token: string;
  /** Seconds, as the token server said (60 when it did not, as the spec prescribes). */
  expiresIn: number;
}

interface Cached {
  token: string;
  until: number;
}

/** Shave 10% off a token's life, at most 30 s: a 60 s token is reused for 54 s, a 300 s one for 270 s. */
export function usableFor(expiresInSeconds: number): number {
  const margin = Math.min(30, expiresInSeconds * 0.1);
  return Math.max(0, expiresInSeconds - margin) * 1000;
}

export class TokenCache {
  private readonly tokens = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): string | undefined {
    const cached = this.tokens.get(key);
    if (!cached) return undefined;
    if (cached.until <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return cached.token;
  }

  /** The cached token, or the one being fetched, or a new fetch. */
  obtain(key: string, fetch: () => Promise<IssuedToken>, signal?: AbortSignal): Promise<string> {
    const cached = this.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.inFlight.get(key);
    if (!pending) {
      const started = this.now();
      pending = fetch()
        .then((issued) => {
          const until = started + usableFor(issued.expiresIn);
          if (until > this.now()) this.tokens.set(key, { token: issued.token, until });
          return issued.token;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return raceAbort(pending, signal);
  }

  /** Forgets a token the upstream refused before its time (revoked, or issued for less). */
  drop(key: string, token: string): void {
    if (this.tokens.get(key)?.token === token) this.tokens.delete(key);
  }

  clear(): void {
    this.tokens.clear();
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}
