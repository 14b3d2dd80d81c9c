/**
 * `berth config check FILE`: everything `berth serve` would reject, reported without starting,
 * plus the files the config points at, which serve would only discover when it opens them.
 * Never throws for a bad or missing file; that is the answer, not an error.
 */
import { referencedFileProblems } from './file-probes.js';
import { resolveConfig } from './resolve-config.js';

export interface ConfigCheckResult {
  ok: boolean;
  problems: string[];
  warnings: string[];
}

export function checkConfigFile(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
  options: { cwd?: string } = {},
): ConfigCheckResult {
  const outcome = resolveConfig({ file: path, env, cwd: options.cwd });
  if (!outcome.ok) return { ok: false, problems: outcome.problems, warnings: outcome.warnings };
  const problems = referencedFileProblems(outcome.config);
  return { ok: problems.length === 0, problems, warnings: outcome.warnings };
}
