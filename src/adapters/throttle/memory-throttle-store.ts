/**
 * Failed-login counts in process memory: the embedded default (one process, no other service).
 * Each table holds at most `maxKeys` entries: expired ones are dropped first, then the least
 * recently touched, so a spray of names or addresses cannot grow the heap.
 */
import type { LoginThrottleStore, ThrottleEntry, ThrottleTable } from '../../ports/login-throttle-store.js';

export class MemoryThrottleStore implements LoginThrottleStore {
  readonly #tables = new Map<ThrottleTable, BoundedTable>();

  constructor(private readonly maxKeys: number) {}

  /** Entries held over all tables, for tests of the memory bound. */
  get size(): number {
    let total = 0;
    for (const table of this.#tables.values()) total += table.size;
    return total;
  }

  async read(keys: ReadonlyArray<{ table: ThrottleTable; key: string }>, now: number): Promise<Array<ThrottleEntry | undefined>> {
    return keys.map(({ table, key }) => this.table(table).get(key, now));
  }

  async hit(table: ThrottleTable, key: string, now: number, ttlMs: number, slide: boolean): Promise<ThrottleEntry> {
    const t = this.table(table);
    const live = t.get(key, now);
    const entry = live === undefined ? { count: 1, lastAt: now, expiresAt: now + ttlMs } : { count: live.count + 1, lastAt: now, expiresAt: slide ? now + ttlMs : live.expiresAt };
    t.set(key, entry, now);
    return { ...entry };
  }

  async mark(table: ThrottleTable, key: string, now: number, expiresAt: number): Promise<void> {
    const t = this.table(table);
    const live = t.get(key, now);
    t.set(key, { count: live?.count ?? 0, lastAt: now, expiresAt: Math.max(expiresAt, live?.expiresAt ?? 0) }, now);
  }

  async remove(table: ThrottleTable, key: string): Promise<void> {
    this.table(table).delete(key);
  }

  private table(name: ThrottleTable): BoundedTable {
    let table = this.#tables.get(name);
    if (table === undefined) this.#tables.set(name, (table = new BoundedTable(this.maxKeys)));
    return table;
  }
}

/** A Map capped at `max` entries; re-setting a key moves it to the end (most recently set). */
class BoundedTable {
  private readonly map = new Map<string, ThrottleEntry>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string, now: number): ThrottleEntry | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    if (value.expiresAt <= now) {
      this.map.delete(key);
      return undefined;
    }
    return value;
  }

  set(key: string, value: ThrottleEntry, now: number): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size <= this.max) return;
    let checked = 0;
    for (const [oldKey, oldValue] of this.map) {
      if (this.map.size <= this.max || checked++ >= 64) break;
      if (oldValue.expiresAt <= now) this.map.delete(oldKey);
    }
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}
