/**
 * startTestServer in stack mode (stack-mode.ts): the same options, but three instances built
 * from the real adapters on one scratch PostgreSQL database and one RGW bucket, each with its
 * own empty data root, behind nginx (round-robin, so a test's consecutive requests reach
 * different instances). `url` is nginx's; `composed` and `registry` are the first instance's,
 * which share every store with the others, so a test's direct set-up is seen by all three.
 * The instances trust nginx (its own address, STACK_PROXY_ADDRESS) for X-Forwarded-*, so a
 * test's client address reaches them as it would a single server.
 *
 * The instances run in this process (each its own composition: pools, clients, timers and
 * memos), not as `berth serve` children, so a test's options that no config key carries (a
 * fake clock, login limits, a logger to inspect) apply to all three exactly as to one server.
 * What only separate processes show (a kill -9, a module-level singleton) is what
 * test/scale-out/ and the e2e second pass, which run real `berth serve` processes, cover.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { appFromComposed } from '../../src/cli/app-from-composed.js';
import { compose, type Composed } from '../../src/compose/compose.js';
import type { BerthConfig } from '../../src/config/config.js';
import { closeApp } from '../../src/http/close-app.js';
import type { FastifyInstance } from 'fastify';
import { startNginx } from './nginx.js';
import { forgetStackCliEnv, openStackBacking, rememberStackCliEnv, STACK_INSTANCES, STACK_PROXY_ADDRESS } from './stack-mode.js';
import { testConfig, type TestServer, type TestServerOptions } from './test-server.js';

interface Instance {
  root: string;
  composed: Composed;
  app: FastifyInstance;
  port: number;
}

export async function startStackTestServer(overrides: TestServerOptions): Promise<TestServer> {
  const logger = overrides.logger ?? pino({ level: 'silent' });
  const backing = await openStackBacking('http');
  const instances: Instance[] = [];
  const closeAll = async () => {
    for (const instance of instances) {
      await closeApp(instance.app).catch(() => undefined);
      await instance.composed.close().catch(() => undefined);
      await rm(instance.root, { recursive: true, force: true });
    }
  };
  const startOne = async (): Promise<Instance> => {
    const root = await mkdtemp(join(tmpdir(), 'berth-stack-'));
    const base = testConfig(root, { ...overrides, trustedProxies: [...(overrides.trustedProxies ?? []), STACK_PROXY_ADDRESS] });
    const config: BerthConfig = {
      ...base,
      storage: { ...base.storage, s3: backing.s3 },
      database: { ...base.database, url: backing.databaseUrl },
    };
    let composed: Composed;
    try {
      composed = await compose(config, logger, { now: overrides.now, loginLimits: overrides.loginLimits, sessionNow: overrides.sessionNow });
    } catch (error) {
      await rm(root, { recursive: true, force: true });
      throw error;
    }
    const app = appFromComposed(composed, { logger, trustedProxies: config.http.trustedProxies });
    const instance: Instance = { root, composed, app, port: 0 };
    instances.push(instance);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    instance.port = typeof address === 'object' && address ? address.port : 0;
    return instance;
  };
  let nginx;
  try {
    // The first one migrates the empty database; the others then start side by side.
    await startOne();
    await Promise.all(Array.from({ length: STACK_INSTANCES - 1 }, () => startOne()));
    nginx = await startNginx(instances.map((i) => i.port), { bind: STACK_PROXY_ADDRESS });
  } catch (error) {
    await closeAll();
    await backing.close();
    throw error;
  }
  const first = instances[0]!;
  rememberStackCliEnv(first.root, backing.env);
  const proxy = nginx;
  return {
    url: proxy.url,
    instanceUrls: instances.map((i) => `http://127.0.0.1:${i.port}`),
    root: first.root,
    registry: first.composed.registry,
    composed: first.composed,
    databaseUrl: backing.databaseUrl,
    // Connector ports are tested on one server (test/mirror/connector-port.test.ts), outside the second pass.
    connectorUrls: {},
    async close() {
      try {
        await proxy.stop();
        await closeAll();
      } finally {
        forgetStackCliEnv(first.root);
        await backing.close();
      }
    },
  };
}
