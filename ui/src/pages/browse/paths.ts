/**
 * The browse pages' URLs. Repository names keep their slashes (`/repositories/team/app`); what
 * follows `/-/` is the page within the repository. A name component never is `-` (it must start
 * with a letter or digit), so the split is unambiguous.
 */
import { href } from '../../router';

export const projectHref = (name: string) => href('/projects', name);
export const repositoryHref = (name: string) => href('/repositories', { path: name });
export const manifestHref = (repository: string, reference: string) =>
  `${repositoryHref(repository)}/-/manifests/${encodeURIComponent(reference)}`;
export const searchHref = (q: string) => `/search?q=${encodeURIComponent(q)}`;

/** `team/app/-/manifests/sha256:…` → the repository and what is after it. */
export function splitRepositoryPath(rest: string): { repository: string; sub: string[] } {
  const parts = rest.split('/');
  const at = parts.indexOf('-');
  if (at === -1) return { repository: rest, sub: [] };
  return { repository: parts.slice(0, at).join('/'), sub: parts.slice(at + 1) };
}

/** linux/arm64/v8 */
export function platformName(p: { os: string; architecture: string; variant: string | null }): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}
