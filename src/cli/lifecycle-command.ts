/**
 * What `berth gc`, `berth rm` and `berth restore` share: argument parsing, loading the config
 * (the same file and REGISTRY_* / BERTH_* environment as `berth serve`, `--config FILE`), the
 * lifecycle composition, and exit codes — 0 done, 1 the registry said no (or failed), 2 the
 * command line was wrong (with the usage on stderr).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { composeLifecycle, type ComposedLifecycle } from '../compose/compose-lifecycle.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import type { BerthConfig } from '../config/config.js';
import { RegistryError } from '../core/errors.js';

export class LifecycleUsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommand(args: string[], options: Options): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args, options: { ...options, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    const values: Record<string, string | boolean | undefined> = {};
    for (const [key, value] of Object.entries(parsed.values)) values[key] = typeof value === 'string' || typeof value === 'boolean' ? value : undefined;
    return { values, positionals: parsed.positionals };
  } catch (error) {
    throw new LifecycleUsageError((error as Error).message);
  }
}

/** Runs `work` with the composed lifecycle and turns failures into exit codes and messages. */
export async function runLifecycleCommand(
  usage: string,
  args: string[],
  options: Options,
  work: (composed: ComposedLifecycle, parsed: ReturnType<typeof parseCommand>, config: BerthConfig) => Promise<number>,
  compose: (config: BerthConfig) => Promise<ComposedLifecycle> = composeLifecycle,
): Promise<number> {
  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(args, options);
  } catch (error) {
    process.stderr.write(`berth: ${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  if (parsed.values.help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  let composed: ComposedLifecycle | undefined;
  try {
    const file = typeof parsed.values.config === 'string' ? parsed.values.config : undefined;
    const { config, warnings } = loadConfig({ file, env: process.env });
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
    composed = await compose(config);
    return await work(composed, parsed, config);
  } catch (error) {
    if (error instanceof LifecycleUsageError) {
      process.stderr.write(`berth: ${error.message}\n${usage}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`berth: invalid configuration:\n${error.problems.map((p) => `  - ${p}\n`).join('')}`);
      return 1;
    }
    if (error instanceof RegistryError) {
      process.stderr.write(`berth: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await composed?.close();
  }
}

