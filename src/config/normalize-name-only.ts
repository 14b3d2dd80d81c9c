/**
 * Distribution accepts `storage: filesystem` and `auth: none` as shorthand for a section with one
 * empty entry. Expanding the shorthand early lets every later step see one shape, and keeps
 * REGISTRY_STORAGE=s3 followed by REGISTRY_STORAGE_DELETE_ENABLED from losing the driver name.
 */
import { CONFIG_KEYS, type SectionRule } from './config-keys.js';
import { emptyMap, isRawMap, type RawMap } from './raw-value.js';

export function normalizeNameOnly(tree: RawMap, rule: SectionRule = CONFIG_KEYS): void {
  for (const [key, child] of Object.entries(rule.keys)) {
    if (child.kind !== 'section' || !Object.hasOwn(tree, key)) continue;
    const value = tree[key];
    if (child.nameOnly && typeof value === 'string' && value !== '') {
      const expanded = emptyMap();
      expanded[value] = null;
      tree[key] = expanded;
    } else if (isRawMap(value)) {
      normalizeNameOnly(value, child);
    }
  }
}
