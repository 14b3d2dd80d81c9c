/**
 * `berth config check FILE`: everything `berth serve` would reject, reported without starting,
 * plus the files the config points at, which serve would only discover when it opens them.
 * Never throws for a bad or missing file; that is the answer, not an error.
 */
import { accessSync, constants, statSync } from 'node:fs';
import type { BerthConfig } from './config.js';
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

function referencedFileProblems(config: BerthConfig): string[] {
  const problems: string[] = [];
  if (config.http.tls) {
    for (const key of ['certificate', 'key'] as const) {
      const file = config.http.tls[key];
      try {
        accessSync(file, constants.R_OK);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        problems.push(`http.tls.${key}: "${file}" ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`);
      }
    }
  }
  const root = config.storage.filesystem.rootdirectory;
  try {
    // A missing root is fine: serve creates it on first start.
    if (!statSync(root).isDirectory()) problems.push(`storage.filesystem.rootdirectory: "${root}" is not a directory`);
  } catch {
    // Absent or unreachable; serve reports the real cause when it creates the directory.
  }
  return problems;
}
