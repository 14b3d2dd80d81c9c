/**
 * A real `berth serve` for browser tests: built-in accounts, a fresh data directory, the admin
 * created with a known password, the built UI (ui/dist) served from `/`.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBerth, type RegistryProcess } from '../../support/registry-process.js';
import { berthAccounts, type BerthAccounts, type Credentials } from '../../e2e/support/berth-accounts.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
export const uiDist = join(repoRoot, 'ui/dist');

export const admin: Credentials = { username: 'admin', password: 'ui-test-admin-password' };

export interface UiServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT, as image references name it. */
  host: string;
  registry: RegistryProcess;
  /** Users, projects, members and robots, made with the CLI on the same data directory. */
  accounts: BerthAccounts;
  stop(): Promise<void>;
}

export async function startUiServer(options: { env?: Record<string, string> } = {}): Promise<UiServer> {
  if (!existsSync(join(uiDist, 'index.html'))) {
    throw new Error(`the web UI is not built: ${uiDist}/index.html is missing (run \`npm run build:ui\`)`);
  }
  const registry = await startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: admin.password, ...options.env } });
  return {
    url: registry.url,
    host: registry.host,
    registry,
    accounts: berthAccounts(registry.root),
    async stop() {
      await registry.stop();
      if (process.env.BERTH_UI_LOG) process.stderr.write(`--- berth (${registry.host}) ---\n${registry.output()}\n`);
    },
  };
}
