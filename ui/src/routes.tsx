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
import { Account } from './pages/admin/Account';
import { Audit } from './pages/admin/Audit';
import { Gc } from './pages/admin/Gc';
import { NewProject } from './pages/admin/NewProject';
import { ProjectMembers } from './pages/admin/ProjectMembers';
import { ProjectPolicy } from './pages/admin/ProjectPolicy';
import { ProjectRobots } from './pages/admin/ProjectRobots';
import { Settings } from './pages/admin/Settings';
import { Tokens } from './pages/admin/Tokens';
import { Users } from './pages/admin/Users';
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
  { path: '/projects/new', component: NewProject, access: 'user' },
  { path: '/projects/:name/members', component: ProjectMembers, access: 'user' },
  { path: '/projects/:name/robots', component: ProjectRobots, access: 'user' },
  { path: '/projects/:name/policy', component: ProjectPolicy, access: 'user' },
  { path: '/search', component: Search },
  { path: '/projects', component: Projects },
  { path: '/projects/:name', component: Project },
  { path: '/repositories/*path', component: RepositoryRoute },

  // The signed-in user (not /tokens: the server keeps paths starting /token for the token endpoint)
  { path: '/account/tokens', component: Tokens, access: 'user' },
  { path: '/account', component: Account, access: 'user' },

  // System administration (the nav's short paths, and /admin/… as the brief named them)
  { path: '/users', component: Users, access: 'admin' },
  { path: '/admin/users', component: Users, access: 'admin' },
  { path: '/gc', component: Gc, access: 'admin' },
  { path: '/admin/gc', component: Gc, access: 'admin' },
  { path: '/audit', component: Audit, access: 'admin' },
  { path: '/admin/audit', component: Audit, access: 'admin' },
  { path: '/settings', component: Settings, access: 'admin' },
  { path: '/admin/settings', component: Settings, access: 'admin' },
];
