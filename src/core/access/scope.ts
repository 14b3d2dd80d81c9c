/**
 * Docker token-spec scopes: `repository:team/app:pull,push`, `registry:catalog:*`. A name may
 * itself hold colons only in a registry host prefix, which Berth never receives, so the type is
 * before the first colon and the actions after the last.
 */
export interface Scope {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

export function parseScope(text: string): Scope | undefined {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first === -1 || last === first) return undefined;
  const type = text.slice(0, first);
  // `repository(plugin)` is an old Docker variant of the same thing.
  const normalized = type === 'repository(plugin)' ? 'repository' : type;
  if (normalized !== 'repository' && normalized !== 'registry') return undefined;
  const name = text.slice(first + 1, last);
  const actions = text
    .slice(last + 1)
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (name === '' || actions.length === 0) return undefined;
  return { type: normalized, name, actions };
}

/** Scopes from repeated `scope` parameters, each possibly space-separated (containerd). */
export function parseScopes(values: readonly string[]): Scope[] {
  return values.flatMap((v) => v.split(' ')).map(parseScope).filter((s): s is Scope => s !== undefined);
}

export function formatScope(scope: Scope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}

export const CATALOG_SCOPE: Scope = { type: 'registry', name: 'catalog', actions: ['*'] };
