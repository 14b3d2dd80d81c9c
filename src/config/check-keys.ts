/**
 * Walks the raw tree against the key rules: unknown keys and refused keys become problems,
 * ignored keys become warnings. Values of honoured keys are checked by build-config.ts.
 */
import { CONFIG_KEYS, type SectionRule } from './config-keys.js';
import { didYouMean } from './did-you-mean.js';
import { describe, isEmpty, isRawMap, type RawValue } from './raw-value.js';
import type { ValueOrigins } from './value-origins.js';

export interface KeyCheckResult {
  problems: string[];
  warnings: string[];
}

export function checkKeys(tree: RawValue, origins: ValueOrigins): KeyCheckResult {
  const result: KeyCheckResult = { problems: [], warnings: [] };
  walk(CONFIG_KEYS, tree, [], origins, result);
  return result;
}

function walk(rule: SectionRule, value: RawValue, path: string[], origins: ValueOrigins, result: KeyCheckResult): void {
  if (value === null) return;
  if (!isRawMap(value)) {
    result.problems.push(`${origins.label(path)}: expected a mapping, got ${describe(value)}`);
    return;
  }
  for (const key of Object.keys(value)) {
    const childPath = [...path, key];
    const child = Object.hasOwn(rule.keys, key) ? rule.keys[key] : undefined;
    const childValue = value[key];
    if (child === undefined) {
      result.problems.push(unknownKey(rule, childPath, origins));
      continue;
    }
    switch (child.kind) {
      case 'section':
        walk(child, childValue, childPath, origins, result);
        break;
      case 'value':
        break;
      case 'ignored':
        if (!isEmpty(childValue)) result.warnings.push(`${origins.label(childPath)}: ignored; ${child.why}`);
        break;
      case 'refused':
        if (!child.sameAsBerth(childValue)) {
          result.problems.push(`${origins.label(childPath)}: ${child.why}`);
        }
        break;
    }
  }
}

function unknownKey(rule: SectionRule, path: readonly string[], origins: ValueOrigins): string {
  const variable = origins.variableFor(path);
  const from = variable === undefined ? '' : `${variable}: `;
  const key = path[path.length - 1];
  const suggestion = didYouMean(key, Object.keys(rule.keys));
  const hint = suggestion === undefined ? '' : ` (did you mean "${[...path.slice(0, -1), suggestion].join('.')}"?)`;
  return `${from}unknown key "${path.join('.')}"${hint}`;
}
