/**
 * The one pipeline behind `berth serve` and `berth config check`: file, then REGISTRY_/BERTH_
 * environment, then key rules and typed values, each step adding to the same problem list so
 * everything wrong is reported together.
 */
import { applyEnvOverrides } from './env-overrides.js';
import { buildConfig } from './build-config.js';
import { checkKeys } from './check-keys.js';
import type { BerthConfig } from './config.js';
import { deepFreeze } from './deep-freeze.js';
import { emptyMap } from './raw-value.js';
import { readConfigFile } from './read-config-file.js';
import { ValueOrigins } from './value-origins.js';

export interface LoadConfigOptions {
  /** A Distribution-style config.yml; without one, defaults and the environment apply. */
  file?: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Where relative paths resolve; defaults to process.cwd(), as Distribution does. */
  cwd?: string;
}

export type ConfigOutcome =
  | { ok: true; config: BerthConfig; warnings: string[] }
  | { ok: false; problems: string[]; warnings: string[] };

export function resolveConfig(options: LoadConfigOptions): ConfigOutcome {
  const cwd = options.cwd ?? process.cwd();
  const warnings: string[] = [];
  let tree = emptyMap();
  if (options.file !== undefined) {
    const file = readConfigFile(options.file, cwd);
    // A file that does not parse has no tree to validate; its own problems are the useful ones.
    if (!file.ok) return { ok: false, problems: file.problems, warnings };
    tree = file.tree;
    warnings.push(...file.warnings);
  }

  const origins = new ValueOrigins();
  const env = applyEnvOverrides(tree, options.env, origins);
  const keys = checkKeys(tree, origins);
  const built = buildConfig(tree, origins, cwd);
  const problems = [...env.problems, ...keys.problems, ...built.problems];
  warnings.push(...env.warnings, ...keys.warnings, ...built.warnings);
  if (problems.length > 0) return { ok: false, problems, warnings };
  return { ok: true, config: deepFreeze(built.config), warnings };
}
