/**
 * Every page of the UI, in one table. Page helpers: add one line per page (keep the groups).
 * `path` patterns: `:param` is one segment, `*param` the rest (slashes kept, for repository
 * names). `access`: 'user' sends anonymous visitors to sign in; 'admin' also shows system admins
 * only (the server still decides: this only spares a page of 403s). Order matters: first match wins.
 */
import type { ComponentType } from 'preact';
import type { Params } from './router';
import { Overview } from './pages/Overview';
import { SignIn } from './pages/SignIn';
import { Project } from './pages/browse/Project';
import { Projects } from './pages/browse/Projects';
import { RepositoryRoute } from './pages/browse/RepositoryRoute';
import { Search } from './pages/browse/Search';

export interface Route {
  path: string;
  component: ComponentType<{ params: Params }>;
  access?: 'user' | 'admin';
}

export const routes: Route[] = [
  // Everyone
  { path: '/', component: Overview },
  { path: '/sign-in', component: SignIn },
  // Projects and repositories
  { path: '/search', component: Search },
  { path: '/projects', component: Projects },
  { path: '/projects/:name', component: Project },
  { path: '/repositories/*path', component: RepositoryRoute },

  // The signed-in user

  // System administration
];
