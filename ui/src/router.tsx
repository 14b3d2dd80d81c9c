/**
 * A tiny history-API router. The server answers every browser path with index.html, so a URL
 * typed or bookmarked works; in-app links push history entries without reloading.
 *
 * Patterns: `/projects/:name` (one segment, decoded) and `/repositories/*name` (the rest,
 * slashes kept — repository names contain them). The route table lives in routes.tsx.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export type Params = Record<string, string>;

const listeners = new Set<() => void>();
function notify(): void {
  for (const listener of listeners) listener();
}
if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

/** Goes to an in-app path (with its query string), adding a history entry unless `replace`. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  notify();
}

/** The current location; re-renders the caller when it changes. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((n) => n + 1);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/**
 * The query string as state: `setQuery({page: '2'})` merges (a null or '' value removes a key)
 * and replaces the history entry, so filters and paging survive a reload without cluttering Back.
 */
export function useQuery(): [URLSearchParams, (changes: Record<string, string | number | null | undefined>) => void] {
  const { query } = useLocation();
  const set = (changes: Record<string, string | number | null | undefined>) => {
    const next = new URLSearchParams(location.search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === undefined || value === '') next.delete(key);
      else next.set(key, String(value));
    }
    const search = next.toString();
    navigate(location.pathname + (search ? `?${search}` : ''), { replace: true });
  };
  return [query, set];
}

/** Matches a pattern against a path; the params, or null. */
export function matchPath(pattern: string, path: string): Params | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i]!;
    if (part.startsWith('*')) {
      const rest = have.slice(i);
      if (rest.length === 0) return null;
      try {
        params[part.slice(1) || 'rest'] = rest.map(decodeURIComponent).join('/');
      } catch {
        return null;
      }
      return params;
    }
    const segment = have[i];
    if (segment === undefined) return null;
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(segment);
      } catch {
        return null;
      }
    } else if (part !== segment) return null;
  }
  return want.length === have.length ? params : null;
}

/**
 * Builds a path from parts, percent-encoding each one — but keeping the slashes of a part given
 * as `{path: 'team/app'}` (for `*` patterns). `href('/projects', name)`.
 */
export function href(...parts: Array<string | { path: string }>): string {
  const [first = '', ...rest] = parts;
  const head = typeof first === 'string' ? first : first.path.split('/').map(encodeURIComponent).join('/');
  const tail = rest.map((part) =>
    typeof part === 'string' ? encodeURIComponent(part) : part.path.split('/').map(encodeURIComponent).join('/'),
  );
  return [head.replace(/\/$/, ''), ...tail].join('/') || '/';
}

export interface LinkProps {
  href: string;
  children?: ComponentChildren;
  class?: string;
  id?: string;
  title?: string;
  'aria-label'?: string;
  'aria-current'?: 'page' | 'true';
  onClick?: (event: MouseEvent) => void;
}

/** An <a> that navigates in-app on a plain left click, and behaves as a link otherwise. */
export function Link({ href: to, onClick, children, ...rest }: LinkProps) {
  return (
    <a
      {...rest}
      href={to}
      onClick={(event) => {
        onClick?.(event);
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

/** The sign-in URL that comes back to the current page afterwards. */
export function signInHref(): string {
  const here = location.pathname + location.search;
  return here === '/' || location.pathname === '/sign-in' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(here)}`;
}

/** Where `next=` may send the user after signing in: an in-app path only, never another site. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}
