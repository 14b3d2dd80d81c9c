/**
 * Environment overrides, with Distribution's naming rule: REGISTRY_ followed by the key path in
 * upper case, one `_` per level (REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY). Berth-only keys take
 * BERTH_ instead (BERTH_METADATA_SQLITE_PATH), so a registry:2 deployment's variables keep their
 * meaning and Berth's own cannot collide with a future Distribution key.
 *
 * As in Distribution, variables apply in name order, so REGISTRY_STORAGE (a whole section) lands
 * before REGISTRY_STORAGE_DELETE_ENABLED refines it; values are read as YAML. Strings are taken
 * verbatim instead, because YAML would turn "[::1]:5000" into a list.
 *
 * A REGISTRY_ variable naming no known key is a problem (a typo would otherwise be silently
 * dropped), except the ones orchestrators inject for a service or container named "registry"
 * (Kubernetes' REGISTRY_PORT, REGISTRY_SERVICE_HOST; Docker links' REGISTRY_NAME, REGISTRY_ENV_*).
 * Other BERTH_ variables belong to other parts of Berth and are left alone.
 */
import { parseDocument } from 'yaml';
import { CONFIG_KEYS, type KeyRule, type SectionRule } from './config-keys.js';
import { didYouMean } from './did-you-mean.js';
import { normalizeNameOnly } from './normalize-name-only.js';
import { setAt, toRawValue, type RawMap, type RawValue } from './raw-value.js';
import type { ValueOrigins } from './value-origins.js';
import { YAML_OPTIONS } from './yaml-options.js';

export interface EnvOverrideResult {
  problems: string[];
  warnings: string[];
}

type Prefix = 'REGISTRY' | 'BERTH';

const ORCHESTRATOR_SEGMENTS = new Set(['port', 'service', 'name', 'env']);

/** Applies the overrides to `tree` in place and records where each value came from. */
export function applyEnvOverrides(
  tree: RawMap,
  env: Readonly<Record<string, string | undefined>>,
  origins: ValueOrigins,
): EnvOverrideResult {
  const result: EnvOverrideResult = { problems: [], warnings: [] };
  for (const prefix of ['REGISTRY', 'BERTH'] as const) {
    const names = Object.keys(env)
      .filter((name) => name.startsWith(`${prefix}_`) && env[name] !== undefined)
      .sort();
    for (const name of names) applyOne(tree, prefix, name, env[name] ?? '', origins, result);
  }
  return result;
}

function applyOne(
  tree: RawMap,
  prefix: Prefix,
  name: string,
  raw: string,
  origins: ValueOrigins,
  result: EnvOverrideResult,
): void {
  const rest = name.slice(prefix.length + 1);
  const path = rest.split('_').map((segment) => segment.toLowerCase());
  const top = Object.hasOwn(CONFIG_KEYS.keys, path[0]) ? CONFIG_KEYS.keys[path[0]] : undefined;
  const berthOnly = top?.kind === 'section' && top.berthOnly === true;

  if (prefix === 'BERTH' && !berthOnly) {
    if (top !== undefined) {
      result.warnings.push(`${name}: ignored; Distribution settings take the REGISTRY_ prefix (REGISTRY_${rest})`);
    }
    return;
  }
  if (prefix === 'REGISTRY' && berthOnly) {
    result.problems.push(`${name}: Berth-only settings take the BERTH_ prefix (BERTH_${rest})`);
    return;
  }
  if (prefix === 'REGISTRY' && top === undefined && ORCHESTRATOR_SEGMENTS.has(path[0])) return;

  const target = resolve(path);
  if ('unknownAt' in target) {
    result.problems.push(unknownVariable(prefix, name, path, target.unknownAt, target.section));
    return;
  }
  const value = readValue(raw, target.rule, target.exact);
  if ('error' in value) {
    result.problems.push(`${name}: cannot read the value as YAML: ${value.error}`);
    return;
  }
  setAt(tree, path, value.value);
  normalizeNameOnly(tree);
  origins.record(path, name);
}

type Resolved = { rule: KeyRule; exact: boolean } | { unknownAt: number; section: SectionRule | undefined };

/** Walks the key rules; below an ignored or refused key any path is accepted, as it is opaque. */
function resolve(path: readonly string[]): Resolved {
  let rule: KeyRule = CONFIG_KEYS;
  for (let i = 0; i < path.length; i++) {
    if (rule.kind === 'ignored' || rule.kind === 'refused') return { rule, exact: false };
    if (rule.kind !== 'section') return { unknownAt: i, section: undefined };
    if (path[i] === '' || !Object.hasOwn(rule.keys, path[i])) return { unknownAt: i, section: rule };
    rule = rule.keys[path[i]];
  }
  return { rule, exact: true };
}

function readValue(raw: string, rule: KeyRule, exact: boolean): { value: RawValue } | { error: string } {
  // A list comes as comma-separated text, which YAML could misread ("::1/128", "a: b").
  if (exact && rule.kind === 'value' && (rule.type === 'string' || rule.type === 'list')) return { value: raw === '' ? null : raw };
  const doc = parseDocument(raw, YAML_OPTIONS);
  if (doc.errors.length > 0) return { error: doc.errors[0].message };
  try {
    return { value: toRawValue(doc.toJS()) };
  } catch (error) {
    // Alias bombs and similar are reported by toJS rather than by the parser.
    return { error: (error as Error).message };
  }
}

function unknownVariable(
  prefix: Prefix,
  name: string,
  path: readonly string[],
  at: number,
  section: SectionRule | undefined,
): string {
  const message = `${name}: not a setting Berth or Distribution knows`;
  const suggestion = section && didYouMean(path[at], Object.keys(section.keys));
  if (suggestion === undefined) return message;
  const corrected = [...path.slice(0, at), suggestion, ...path.slice(at + 1)];
  return `${message} (did you mean ${prefix}_${corrected.join('_').toUpperCase()}?)`;
}
