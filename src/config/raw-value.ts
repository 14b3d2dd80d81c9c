/**
 * The configuration tree before typing: what YAML and the environment produce. Validation reads
 * from this shape so that a wrong type becomes a problem message instead of a crash.
 */
export type RawValue = null | boolean | number | string | RawValue[] | RawMap;
export interface RawMap {
  [key: string]: RawValue;
}

export function isRawMap(value: RawValue | undefined): value is RawMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Null-prototype maps, so a key such as "__proto__" in a config file is just a key. */
export function emptyMap(): RawMap {
  return Object.create(null) as RawMap;
}

/** Narrows what the YAML library hands back (Dates, Maps, bigints from exotic tags) to RawValue. */
export function toRawValue(value: unknown): RawValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toRawValue);
  if (value instanceof Map) {
    const map = emptyMap();
    for (const [k, v] of value) map[String(k)] = toRawValue(v);
    return map;
  }
  if (value instanceof Set) return [...value].map(toRawValue);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const map = emptyMap();
    for (const [k, v] of Object.entries(value)) map[k] = toRawValue(v);
    return map;
  }
  return String(value);
}

/** The value at a path, or undefined when any step is missing or not a mapping. */
export function getAt(tree: RawMap, path: readonly string[]): RawValue | undefined {
  let node: RawValue | undefined = tree;
  for (const key of path) {
    if (!isRawMap(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** Replaces whatever is in the way, as Distribution does when an env var names a deeper key. */
export function setAt(tree: RawMap, path: readonly string[], value: RawValue): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (isRawMap(next)) {
      node = next;
    } else {
      const created = emptyMap();
      node[key] = created;
      node = created;
    }
  }
  node[path[path.length - 1]] = value;
}

/** Null, "", an empty mapping and an empty list all mean "not configured" in Distribution. */
export function isEmpty(value: RawValue | undefined): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isRawMap(value)) return Object.keys(value).length === 0;
  return false;
}

/** How a value reads in a problem message: strings quoted, containers by kind. */
export function describe(value: RawValue): string {
  if (value === null) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (isRawMap(value)) return 'a mapping';
  return String(value);
}
