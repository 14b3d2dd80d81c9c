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

  // The signed-in user

  // System administration
];
