/** `berth settings show|set|reset`: system settings an admin changes while the registry runs. */
import { SETTINGS, settingDefinition } from '../../core/access/runtime-settings.js';
import type { SettingView } from '../../core/access/settings-admin.js';
import { RegistryError } from '../../core/errors.js';
import { parse, UsageError } from './cli-args.js';
import { print, table, time } from './cli-output.js';
import { withAdmin, type Session } from './admin-session.js';
import { settingsUsage } from './manage-usage.js';

export async function settingsCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'show': {
      const { values } = parse(rest, { json: { type: 'boolean' } }, settingsUsage, { min: 0, max: 0 });
      return withSettings(values.config, async ({ admin, actor }) => {
        const settings = await admin.settings.list(actor);
        print(values.json === true ? JSON.stringify(settings.map(jsonOf), null, 2) : describe(settings));
      });
    }
    case 'set':
    case 'reset': {
      const { values, positionals } = parse(rest, {}, settingsUsage, sub === 'set' ? { min: 2, max: 2 } : { min: 1, max: 1 });
      const key = positionals[0]!;
      // Checked before opening the database, so a typo changes nothing and says what exists.
      if (!settingDefinition(key)) throw new UsageError(`unknown setting "${key}"; the settings are ${SETTINGS.map((s) => s.key).join(', ')}`, settingsUsage);
      return withSettings(values.config, async ({ admin, actor }) => {
        const after = await admin.settings.update(actor, { [key]: sub === 'set' ? positionals[1]! : null });
        const setting = after.find((s) => s.key === key)!;
        print(
          sub === 'set'
            ? `${key} is now ${setting.value} (stored; it wins over the config, which says ${setting.configValue})`
            : `${key} follows the config again: ${setting.value}`,
        );
      });
    }
    default:
      throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`, settingsUsage);
  }
}

/** Settings exist for the built-in access control; another auth mode would ignore them. */
function withSettings(configFile: string | undefined, run: (session: Session) => Promise<void>): Promise<void> {
  return withAdmin(configFile, async (session) => {
    if (session.authMode !== 'builtin') {
      throw new RegistryError(
        'unsupported',
        `the settings apply with auth: builtin; this registry is configured with auth: ${session.authMode}, where they have no effect`,
      );
    }
    await run(session);
  });
}

function describe(settings: readonly SettingView[]): string {
  const rows = settings.map((s) => [
    s.key,
    String(s.value),
    s.source === 'database' ? `database (${s.updatedBy ?? '?'}, ${time(s.updatedAt)})` : 'config',
    String(s.configValue),
  ]);
  return table(['KEY', 'VALUE', 'SOURCE', 'CONFIG'], rows);
}

function jsonOf(s: SettingView): Record<string, unknown> {
  return { ...s, updatedAt: s.updatedAt?.toISOString() };
}
