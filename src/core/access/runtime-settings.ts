/**
 * The access policy as it stands now: system settings an admin changes while the registry
 * runs (anonymous pull, who may create projects), stored in the database, over the config.
 *
 * The rule: a value set through the CLI or API is stored and wins, until it is reset; a key
 * never set (or reset) follows the config (file, REGISTRY_* environment, or the default). So
 * the config file works as a registry:2 user expects on a fresh registry, and a change made in
 * operation sticks across restarts as a Harbor user expects; `berth settings show` names the
 * source of each value.
 *
 * Reads are synchronous (the Authorizer asks on every request) and come from memory. This
 * process's own changes apply at once; another process's (the CLI writing the database while a
 * server runs, another instance) are read back when the memory is older than `refreshMs`: the
 * first read after that starts a reload and answers with what it has, so a change made
 * elsewhere applies within about `refreshMs` plus one request.
 */
import type { AccessStore, SettingRecord } from '../../ports/access-store.js';
import type { AccessPolicy } from './authorizer.js';

export interface SettingDefinition {
  /** The config key it overrides, which is also its name in the CLI and API. */
  readonly key: string;
  readonly field: keyof AccessPolicy;
  readonly description: string;
}

export const SETTINGS: readonly SettingDefinition[] = [
  {
    key: 'auth.builtin.anonymouspull',
    field: 'anonymousPull',
    description: 'anonymous callers may pull from public projects',
  },
  {
    key: 'auth.builtin.createprojects',
    field: 'createProjectsOnPush',
    description: 'a user pushing to a missing project creates it (as its admin)',
  },
];

/** How long a value read from the database is trusted before it is read again. */
export const DEFAULT_SETTINGS_REFRESH_MS = 2_000;

export function settingDefinition(key: string): SettingDefinition | undefined {
  return SETTINGS.find((s) => s.key === key);
}

/** The stored text of a boolean setting: `true` or `false` (anything else counts as unset). */
export function parseStoredFlag(value: string): boolean | undefined {
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

export interface RuntimeSettingsOptions {
  /** Milliseconds since the epoch; settable in tests. */
  now: () => number;
  refreshMs?: number;
  /** A background reload failed; the last known values stay in force. */
  onError?: (error: unknown) => void;
}

export class RuntimeSettings implements AccessPolicy {
  #stored = new Map<string, SettingRecord>();
  #loadedAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | undefined;
  readonly #refreshMs: number;

  constructor(
    private readonly store: AccessStore,
    /** The values the config gives (file, environment or default). */
    readonly configured: Readonly<AccessPolicy>,
    private readonly options: RuntimeSettingsOptions,
  ) {
    this.#refreshMs = options.refreshMs ?? DEFAULT_SETTINGS_REFRESH_MS;
  }

  get anonymousPull(): boolean {
    return this.#flag('anonymousPull');
  }

  get createProjectsOnPush(): boolean {
    return this.#flag('createProjectsOnPush');
  }

  /** Reads the stored settings now (shared with a reload already under way). */
  refresh(): Promise<void> {
    this.#loading ??= this.store
      .listSettings()
      .then((records) => {
        this.#stored = new Map(records.map((r) => [r.key, r]));
        this.#loadedAt = this.options.now();
      })
      .finally(() => {
        this.#loading = undefined;
      });
    return this.#loading;
  }

  /** The stored record of `key`, as of the last read. */
  stored(key: string): SettingRecord | undefined {
    return this.#stored.get(key);
  }

  /** Applies a change this process just stored, without waiting for the next read. */
  remember(record: SettingRecord): void {
    this.#stored.set(record.key, record);
  }

  /** Applies a reset this process just stored. */
  forget(key: string): void {
    this.#stored.delete(key);
  }

  #flag(field: keyof AccessPolicy): boolean {
    this.#reloadIfStale();
    const definition = SETTINGS.find((s) => s.field === field)!;
    const record = this.#stored.get(definition.key);
    const stored = record === undefined ? undefined : parseStoredFlag(record.value);
    return stored ?? this.configured[field];
  }

  #reloadIfStale(): void {
    if (this.#loading !== undefined || this.options.now() - this.#loadedAt < this.#refreshMs) return;
    this.refresh().catch((error: unknown) => {
      // Keep the last values, and wait a full period before trying again.
      this.#loadedAt = this.options.now();
      this.options.onError?.(error);
    });
  }
}
