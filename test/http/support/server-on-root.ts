/**
 * Variants of test/support/test-server.ts for what it cannot do: build a server on a storage
 * root the caller owns (so a second server on the same data is a restart), and keep the log
 * lines at warn and above (so a 500 answered to a client that already hung up still shows: the
 * error handler logs every one).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { appFromComposed } from '../../../src/cli/app-from-composed.js';
import { compose, type Composed } from '../../../src/compose/compose.js';
import type { BerthConfig } from '../../../src/config/config.js';
import type { Registry } from '../../../src/core/registry/registry.js';
import { closeApp } from '../../../src/http/close-app.js';
import { testConfig, type TestServerOptions } from '../../support/test-server.js';

export interface ServerOnRoot {
  url: string;
  root: string;
  registry: Registry;
  composed: Composed;
  /** Log records at level error or above, parsed. */
  errors(): Record<string, unknown>[];
  /** Closes the app and the stores; leaves the root in place. */
  stop(): Promise<void>;
}

const PINO_ERROR = 50;

export async function makeRoot(): Promise<{ root: string; remove(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'berth-http-root-'));
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}

export interface ServerOnRootOptions extends TestServerOptions {
  /** A last change to the configuration (a metadata file off the blob root, say). */
  config?: (config: BerthConfig) => BerthConfig;
}

export async function startServerOnRoot(root: string, options: ServerOnRootOptions = {}): Promise<ServerOnRoot> {
  const records: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) });
  const config = testConfig(root, options);
  const composed = await compose(options.config?.(config) ?? config, logger, { now: options.now });
  const app = appFromComposed(composed, { logger });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    root,
    registry: composed.registry,
    composed,
    errors: () => records.filter((r) => typeof r.level === 'number' && r.level >= PINO_ERROR),
    async stop() {
      await closeApp(app);
      await composed.close();
    },
  };
}

/** A server on a fresh root that removes the root when closed. */
export async function startObservedServer(): Promise<ServerOnRoot & { close(): Promise<void> }> {
  const { root, remove } = await makeRoot();
  const server = await startServerOnRoot(root);
  return {
    ...server,
    async close() {
      await server.stop();
      await remove();
    },
  };
}
