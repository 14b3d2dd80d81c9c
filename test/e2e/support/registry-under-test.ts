/**
 * The registry the suite runs against: Berth by default, Distribution with
 * E2E_REGISTRY=distribution, so one suite proves both. Each test file starts it once plain and
 * once over TLS (as `localhost:PORT`, trusted through the test CA).
 *
 * BERTH_TEST_STACK=scale-out runs Berth as three instances behind nginx (support/stack-mode.ts).
 *
 * E2E_REGISTRY_LOG=1 prints the registry's own output when it stops (the other half of a
 * failing client's story); E2E_KEEP=1 keeps each file's workspace for a post-mortem.
 */
import { existsSync, readFileSync } from 'node:fs';
import { startBerthStack } from '../../support/berth-stack-process.js';
import { berthCli, startBerth, startDistribution, type RegistryProcess } from '../../support/registry-process.js';
import { stackMode } from '../../support/stack-mode.js';
import { httpRequest, manifestAccept, type HttpResponse } from './registry-http.js';
import type { TestCa } from './tls-ca.js';

export type RegistryKind = RegistryProcess['kind'];
export type Transport = 'plain' | 'tls';
export const transports: readonly Transport[] = ['plain', 'tls'];

export function registryKind(): RegistryKind {
  const value = process.env.E2E_REGISTRY ?? 'berth';
  if (value !== 'berth' && value !== 'distribution') {
    throw new Error(`E2E_REGISTRY must be "berth" or "distribution", not ${JSON.stringify(value)}`);
  }
  return value;
}

export interface Target {
  kind: RegistryKind;
  transport: Transport;
  /** What goes in image references: 127.0.0.1:PORT plain, localhost:PORT over TLS. */
  host: string;
  /** http://… or https://… */
  url: string;
  /** Set over TLS only. */
  ca: TestCa | undefined;
  process: RegistryProcess;
  request(path: string, init?: { method?: string; headers?: Record<string, string> }): Promise<HttpResponse>;
  /** HEAD /v2/<name>/manifests/<reference> with every manifest type accepted. */
  headManifest(name: string, reference: string): Promise<HttpResponse>;
  getManifest(name: string, reference: string): Promise<HttpResponse>;
  stop(): Promise<void>;
}

export interface TargetOptions {
  /** Berth's own accounts and token service; off (as registry:2 runs) unless a test is about logins. */
  auth?: 'builtin';
  /** Extra environment for the registry process (e.g. BERTH_ADMIN_PASSWORD). */
  env?: Record<string, string>;
}

export async function startTarget(transport: Transport, ca: TestCa, options: TargetOptions = {}): Promise<Target> {
  const kind = registryKind();
  if (kind === 'berth' && !existsSync(berthCli)) {
    throw new Error(`Berth is not built: ${berthCli} is missing (run \`npx tsc -p .\`)`);
  }
  if (options.auth && kind !== 'berth') throw new Error(`${kind} has no built-in accounts to log in to`);
  const tls = transport === 'tls' ? { certificate: ca.serverCert, key: ca.serverKey } : undefined;
  const registry =
    kind !== 'berth'
      ? await startDistribution({ tls, env: options.env })
      : stackMode()
        ? await startBerthStack({ tls, auth: options.auth, env: options.env })
        : await startBerth({ tls, auth: options.auth, env: options.env });
  const caPem = transport === 'tls' ? readFileSync(ca.caCert, 'utf8') : undefined;
  const request: Target['request'] = (path, init = {}) => httpRequest(`${registry.url}${path}`, { ...init, ca: caPem });
  const manifest = (method: string) => (name: string, reference: string) =>
    request(`/v2/${name}/manifests/${reference}`, { method, headers: { Accept: manifestAccept } });
  return {
    kind,
    transport,
    host: registry.host,
    url: registry.url,
    ca: transport === 'tls' ? ca : undefined,
    process: registry,
    request,
    headManifest: manifest('HEAD'),
    getManifest: manifest('GET'),
    async stop() {
      await registry.stop();
      if (process.env.E2E_REGISTRY_LOG) process.stderr.write(`--- ${kind} over ${transport} (${registry.host}) ---\n${registry.output()}\n`);
    },
  };
}
