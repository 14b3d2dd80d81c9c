/**
 * Loads the configuration for a command that needs one. The warnings (Distribution keys Berth
 * accepts but ignores, deprecated forms) come back beside the config for the caller to log,
 * since this module has no logger of its own.
 */
import type { BerthConfig } from './config.js';
import { ConfigError } from './config-error.js';
import { resolveConfig, type LoadConfigOptions } from './resolve-config.js';

export { ConfigError } from './config-error.js';
export type { LoadConfigOptions } from './resolve-config.js';

export interface LoadedConfig {
  /** Deeply frozen. */
  config: BerthConfig;
  warnings: string[];
}

/** @throws ConfigError listing every problem found. */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const outcome = resolveConfig(options);
  if (!outcome.ok) throw new ConfigError(outcome.problems, outcome.warnings);
  return { config: outcome.config, warnings: outcome.warnings };
}
