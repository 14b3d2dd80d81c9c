/** `berth serve [--config FILE | FILE] [--workers N]`: the command line, then serve.ts. */
import { MAX_WORKERS } from '../config/build-config.js';
import { loadConfig } from '../config/load-config.js';
import { parseStrict, UsageError } from './commands/cli-args.js';
import { SERVE_USAGE } from './command-usage.js';
import { serve } from './serve.js';

export async function runServe(args: string[]): Promise<number> {
  const { values, positionals } = parseStrict(args, { config: { type: 'string' }, workers: { type: 'string' } }, SERVE_USAGE, { min: 0, max: 1 });
  const workers = typeof values.workers === 'string' ? parseWorkers(values.workers) : undefined;
  // registry:2 takes the config path as a positional argument; accept both forms.
  if (typeof values.config === 'string' && positionals.length > 0) throw new UsageError('give the config as --config FILE or FILE, not both', SERVE_USAGE);
  const file = typeof values.config === 'string' ? values.config : positionals[0];
  const { config, warnings } = loadConfig({ file, env: process.env });
  await serve(config, warnings, { workers });
  return -1;
}

function parseWorkers(text: string): number {
  const n = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 0 && n <= MAX_WORKERS)) throw new UsageError(`--workers: expected a whole number from 0 (one per core but one) to ${MAX_WORKERS}, got "${text}"`, SERVE_USAGE);
  return n;
}
