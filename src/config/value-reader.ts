/**
 * Typed reads from the raw tree that never throw: a wrong type is recorded as a problem naming
 * the key (or the env var that set it) and the read yields undefined, so loading goes on and
 * reports everything at once.
 */
import { parseGoDuration } from './go-duration.js';
import { describe, getAt, isRawMap, type RawMap } from './raw-value.js';
import type { ValueOrigins } from './value-origins.js';

/**
 * How a duration key reads bare numbers, mirroring Distribution: a Go time.Duration field
 * (http.draintimeout) takes them as nanoseconds; upload purging's age and interval are read as
 * strings and reject numbers.
 */
export type DurationForm = 'go-duration' | 'duration-string';

export class ValueReader {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];

  constructor(
    private readonly tree: RawMap,
    private readonly origins: ValueOrigins,
  ) {}

  problem(path: readonly string[], message: string): void {
    this.problems.push(`${this.origins.label(path)}: ${message}`);
  }

  warn(path: readonly string[], message: string): void {
    this.warnings.push(`${this.origins.label(path)}: ${message}`);
  }

  /** Whether the key is present at all (even with an empty value, as `none:` is). */
  has(path: readonly string[]): boolean {
    return getAt(this.tree, path) !== undefined;
  }

  /** The value as loaded, for readers with their own parsing. */
  raw(path: readonly string[]): unknown {
    return getAt(this.tree, path);
  }

  /** Scalars become text, as Go's YAML decoder does for string fields; "" means unset. */
  string(path: readonly string[]): string | undefined {
    const value = getAt(this.tree, path);
    if (value === undefined || value === null || value === '') return undefined;
    if (Array.isArray(value) || isRawMap(value)) {
      this.problem(path, `expected a string, got ${describe(value)}`);
      return undefined;
    }
    return String(value);
  }

  boolean(path: readonly string[]): boolean | undefined {
    const value = getAt(this.tree, path);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    this.problem(path, `expected a boolean, got ${describe(value)}`);
    return undefined;
  }

  /** Seconds, possibly fractional. */
  duration(path: readonly string[], form: DurationForm): number | undefined {
    const value = getAt(this.tree, path);
    if (value === undefined || value === null || value === '') return undefined;
    let seconds: number | undefined;
    if (typeof value === 'number') {
      // Zero needs no unit (Go's time.ParseDuration accepts "0" too): `interval: 0` turns a job off.
      if (form === 'duration-string' && value !== 0) {
        this.problem(path, `expected a duration with a unit such as "168h", got ${value}`);
        return undefined;
      }
      seconds = value / 1e9;
      if (value !== 0) {
        this.warn(
          path,
          `${value} has no unit, so it means ${value} nanoseconds (as in Distribution); write "${value}s" for seconds`,
        );
      }
    } else if (typeof value === 'string') {
      seconds = parseGoDuration(value);
      if (seconds === undefined) {
        this.problem(path, `expected a duration such as "30s", "168h" or "1h30m", got ${describe(value)}`);
        return undefined;
      }
    } else {
      this.problem(path, `expected a duration such as "30s", "168h" or "1h30m", got ${describe(value)}`);
      return undefined;
    }
    if (seconds < 0) {
      this.problem(path, `must not be negative, got ${describe(value)}`);
      return undefined;
    }
    return seconds;
  }

  /** A whole number from `min` to `max` (where 0 has a meaning, such as "no cap"). */
  integer(path: readonly string[], min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const value = getAt(this.tree, path);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
      this.problem(path, `expected a whole number ${range}, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }
}
