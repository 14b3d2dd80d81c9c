/**
 * The few lines `berth serve` prints for a person once it listens: where it serves, whether
 * access control is on, how to log in (and where the admin's first password is), and how to
 * run open like registry:2. A newcomer's first push otherwise meets a bare `denied`.
 * Secrets never appear here: the generated password is in a 0600 file, named by its path.
 */
import type { BerthConfig } from '../config/config.js';
import type { AdminSignIn } from '../core/access/bootstrap-admin.js';

export interface BannerFacts {
  auth: BerthConfig['auth'];
  /** Where the listener is bound, e.g. `[::]:5000`. */
  listening: string;
  /** What a client puts before the image name, e.g. `localhost:5000`. */
  loginHost: string;
  tls: boolean;
  root: string;
  admin: AdminSignIn | undefined;
  /** Whether the web UI is served from `/` (ui.enabled). */
  ui?: boolean;
  /** Processes serving (http.workers); said only when more than one. */
  workers?: number;
}

const OPEN_LIKE_REGISTRY2 = 'To run open like registry:2 (no logins; anyone may push and delete), set `auth: none` in the config or REGISTRY_AUTH=none.';

export function startBanner(facts: BannerFacts): string {
  const workers = (facts.workers ?? 1) > 1 ? ` with ${facts.workers} worker processes` : '';
  const lines = [`Berth is serving ${facts.tls ? 'https' : 'http'} on ${facts.listening}${workers}, data in ${facts.root}.`];
  const login = `docker login ${facts.loginHost}`;
  switch (facts.auth.mode) {
    case 'builtin': {
      lines.push('Access control is on: pushing, and pulling from private projects, need a login.');
      const admin = facts.admin;
      if (admin?.passwordAt !== undefined) {
        lines.push(`  ${login} -u ${admin.name}    password in ${admin.passwordAt} (deleted when you change it: berth user passwd ${admin.name})`);
      } else if (admin?.fromEnvironment) {
        lines.push(`  ${login} -u ${admin.name}    password: the BERTH_ADMIN_PASSWORD it was created with`);
      } else {
        lines.push(`  ${login} -u USER    (accounts: berth user list; a new one: berth user add NAME)`);
      }
      if (facts.ui === true) lines.push(`  web UI: ${facts.tls ? 'https' : 'http'}://${facts.loginHost}/    (sign in with the same user and password)`);
      lines.push(OPEN_LIKE_REGISTRY2);
      break;
    }
    case 'none':
      lines.push('Access control is off (auth: none): anyone who can reach this address may push, pull and delete. Remove `auth: none` (REGISTRY_AUTH) to require logins.');
      break;
    case 'htpasswd':
      lines.push(
        `Access control is on: logins are checked against the htpasswd file ${facts.auth.path}.`,
        `  ${login} -u USER    (a user of that file; add one with htpasswd -B ${facts.auth.path} USER)`,
      );
      break;
    case 'token':
      lines.push(`Access control is on: clients need tokens from the token server ${facts.auth.realm} (auth.token).`);
      break;
  }
  return `\n${lines.join('\n')}\n\n`;
}

/** The host:port a client should use: http.host when set, else the listener's (localhost for a wildcard). */
export function loginHostOf(configuredHost: string | undefined, boundHost: string, port: number): string {
  if (configuredHost) {
    try {
      return new URL(configuredHost).host;
    } catch {
      // http.host is validated as a URL by the config; fall through for safety.
    }
  }
  if (boundHost === '::' || boundHost === '0.0.0.0') return `localhost:${port}`;
  return boundHost.includes(':') ? `[${boundHost}]:${port}` : `${boundHost}:${port}`;
}
