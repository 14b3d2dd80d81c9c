/** `berth config check FILE`: validates a config as `berth serve` would read it. */
import { checkConfigFile } from '../config/check-config.js';
import { parseStrict, UsageError } from './commands/cli-args.js';
import { CONFIG_USAGE } from './command-usage.js';

export async function runConfig(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'check') throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`, CONFIG_USAGE);
  const { positionals } = parseStrict(rest, {}, CONFIG_USAGE, { min: 1, max: 1 });
  const file = positionals[0]!;
  const result = checkConfigFile(file, process.env);
  for (const warning of result.warnings) console.log(`warning: ${warning}`);
  for (const problem of result.problems) console.error(`error: ${problem}`);
  if (result.ok) console.log(`${file}: ok`);
  return result.ok ? 0 : 1;
}
