/**
 * System settings for system admins (CLI `berth settings`, API `/api/v1/settings`): read each
 * with the value in force and where it comes from, set it (stored, wins over the config), or
 * reset it (the config applies again). Every change is audited as `settings.set` or
 * `settings.reset`. See runtime-settings.ts for the precedence rule.
 */
import { InvalidInputError } from '../errors.js';
import type { Actor, AdminContext } from './admin-context.js';
import { principalName } from './principal.js';
import { parseStoredFlag, settingDefinition, SETTINGS, type RuntimeSettings, type SettingDefinition } from './runtime-settings.js';

export interface SettingView {
  key: string;
  /** The value in force. */
  value: boolean;
  /** `database`: set through the CLI or API; `config`: from the config file, environment or default. */
  source: 'database' | 'config';
  /** What the config says, in force whenever the setting is reset. */
  configValue: boolean;
  description: string;
  updatedAt: Date | undefined;
  updatedBy: string | undefined;
}

const FLAG_WORDS: Readonly<Record<string, boolean>> = { true: true, false: false, yes: true, no: false, on: true, off: false, '1': true, '0': false };

export class SettingsAdmin {
  constructor(
    private readonly ctx: AdminContext,
    private readonly settings: RuntimeSettings,
  ) {}

  async list(actor: Actor): Promise<SettingView[]> {
    await this.ctx.requireSystemAdmin(actor, 'settings.read');
    await this.settings.refresh();
    return SETTINGS.map((d) => this.view(d));
  }

  /**
   * Applies `changes` (key → new value, or null to reset to the config's), all or none: every
   * key and value is checked before the first is stored.
   */
  async update(actor: Actor, changes: Readonly<Record<string, unknown>>): Promise<SettingView[]> {
    const keys = Object.keys(changes);
    await this.ctx.requireSystemAdmin(actor, 'settings.set', { detail: `keys=${keys.join(',')}` });
    if (keys.length === 0) throw new InvalidInputError(`nothing to change: give one or more of ${SETTINGS.map((s) => s.key).join(', ')}`);
    const checked = keys.map((key) => {
      const definition = settingDefinition(key);
      if (!definition) {
        throw new InvalidInputError(`unknown setting "${key.slice(0, 100)}"; the settings are ${SETTINGS.map((s) => s.key).join(', ')}`, {
          key: key.slice(0, 100),
          settings: SETTINGS.map((s) => s.key),
        });
      }
      return { definition, value: flagOf(key, changes[key]) };
    });
    for (const { definition, value } of checked) {
      if (value === null) {
        await this.ctx.store.deleteSetting(definition.key);
        this.settings.forget(definition.key);
        await this.ctx.record(actor, 'settings.reset', { detail: `key=${definition.key} value=${this.settings.configured[definition.field]}` });
      } else {
        const record = { key: definition.key, value: String(value), updatedAt: this.ctx.deps.now(), updatedBy: principalName(actor) };
        await this.ctx.store.putSetting(record);
        this.settings.remember(record);
        await this.ctx.record(actor, 'settings.set', { detail: `key=${definition.key} value=${value}` });
      }
    }
    return SETTINGS.map((d) => this.view(d));
  }

  private view(definition: SettingDefinition): SettingView {
    const record = this.settings.stored(definition.key);
    const stored = record === undefined ? undefined : parseStoredFlag(record.value);
    const configValue = this.settings.configured[definition.field];
    return {
      key: definition.key,
      value: stored ?? configValue,
      source: stored === undefined ? 'config' : 'database',
      configValue,
      description: definition.description,
      updatedAt: stored === undefined ? undefined : record?.updatedAt,
      updatedBy: stored === undefined ? undefined : record?.updatedBy,
    };
  }
}

/** true/false (JSON or text: yes/no, on/off, 1/0 too), or null to reset. */
function flagOf(key: string, value: unknown): boolean | null {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string' && Object.hasOwn(FLAG_WORDS, value.toLowerCase())) return FLAG_WORDS[value.toLowerCase()]!;
  const shown = typeof value === 'string' ? `"${value.slice(0, 100)}"` : typeof value;
  throw new InvalidInputError(`${key} takes true or false, not ${shown}`, { key });
}
