/**
 * Accounts on a running Berth, made the way an operator makes them: with the `berth` CLI on the
 * same data directory (SQLite in WAL mode lets it write while the server runs). Secrets go in
 * on stdin and come back from the one line the CLI prints them on.
 */
import { berthCli } from '../../support/registry-process.js';
import { stackCliEnv } from '../../support/stack-mode.js';
import { run, type RunResult } from './run.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface BerthAccounts {
  cli(args: readonly string[], input?: string): Promise<RunResult>;
  user(name: string, password: string): Promise<Credentials>;
  project(name: string, visibility: 'public' | 'private'): Promise<void>;
  member(project: string, user: string, role: 'admin' | 'maintainer' | 'developer' | 'guest'): Promise<void>;
  robot(project: string, name: string, actions: readonly string[]): Promise<Credentials>;
}

export function berthAccounts(root: string): BerthAccounts {
  // In stack mode the root is one instance's; the shared database and bucket come with it.
  const env: NodeJS.ProcessEnv = { ...process.env, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root, ...stackCliEnv(root) };
  // Settings meant for the test runner's own registries must not redirect the CLI elsewhere.
  delete env.REGISTRY_AUTH;
  const cli = (args: readonly string[], input?: string) => run(process.execPath, [berthCli, ...args], { env, input, timeoutMs: 60_000 });
  return {
    cli,
    async user(name, password) {
      await cli(['user', 'add', name, '--password-stdin'], password);
      return { username: name, password };
    },
    async project(name, visibility) {
      await cli(['project', 'add', name, ...(visibility === 'public' ? ['--public'] : [])]);
    },
    async member(project, user, role) {
      await cli(['project', 'member', 'add', project, user, role]);
    },
    async robot(project, name, actions) {
      const result = await cli(['robot', 'add', project, name, '--actions', actions.join(',')]);
      const secret = /^secret:\s*(\S+)\s*$/m.exec(result.stdout)?.[1];
      if (!secret) throw new Error(`berth robot add printed no "secret:" line:\n${result.stdout}\n${result.stderr}`);
      return { username: `robot$${project}+${name}`, password: secret };
    },
  };
}
