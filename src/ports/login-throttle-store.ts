/**
 * Where failed-login counts live (core/access/login-limiter.ts holds the rules). One process
 * keeps them in memory; several instances behind a load balancer keep them in their shared
 * database, so failures spread over instances add up. Every method is one atomic step, so two
 * instances counting the same failure at once both count.
 *
 * Four tables, each keyed by text: `pair` (account and address, backoff), `address` and
 * `account` (fixed windows), `known` (an address that signed in as an account).
 */
export type ThrottleTable = 'pair' | 'address' | 'account' | 'known';

export interface ThrottleEntry {
  count: number;
  /** When the last hit was counted (epoch ms). */
  lastAt: number;
  /** From then on the entry reads as absent (epoch ms). */
  expiresAt: number;
}

export interface LoginThrottleStore {
  /** The live (not expired at `now`) entries among `keys`, by table and key. */
  read(keys: ReadonlyArray<{ table: ThrottleTable; key: string }>, now: number): Promise<Array<ThrottleEntry | undefined>>;
  /**
   * Counts one hit. An absent or expired entry restarts at 1 expiring at `now + ttlMs`; a live
   * one adds 1 and, when `slide`, expires `ttlMs` after this hit, else keeps its expiry (a
   * fixed window). Resolves to the entry after the hit.
   */
  hit(table: ThrottleTable, key: string, now: number, ttlMs: number, slide: boolean): Promise<ThrottleEntry>;
  /** Sets a count-less entry live until `expiresAt` (never shortening a later one). */
  mark(table: ThrottleTable, key: string, now: number, expiresAt: number): Promise<void>;
  remove(table: ThrottleTable, key: string): Promise<void>;
  /** Forgets expired entries (a shared store calls it on a timer; memory needs none). */
  prune?(now: number): Promise<number>;
}
