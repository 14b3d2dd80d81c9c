/**
 * Thrown once, with every problem found, so an operator fixes a config in one pass rather than
 * one restart per mistake.
 */
export class ConfigError extends Error {
  readonly problems: string[];
  readonly warnings: string[];

  constructor(problems: readonly string[], warnings: readonly string[] = []) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = [...problems];
    this.warnings = [...warnings];
  }
}
