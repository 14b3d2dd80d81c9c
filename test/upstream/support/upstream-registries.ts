/**
 * Real registries to pull from, started on loopback for the upstream tests (and the proxy
 * projects built on them): Debian's Distribution 2.8 open or behind htpasswd (Basic), and a
 * second Berth with its own accounts and token service (the Bearer dance), optionally behind a
 * counting proxy. Each comes with a way to push generated content into it; nothing is downloaded.
 */
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { berthAccounts } from '../../e2e/support/berth-accounts.js';
import { startBerth, startDistribution, type RegistryProcess } from '../../support/registry-process.js';
import { basic, withHeaders } from '../../http/support/auth.js';
import { client, type Client } from '../../http/support/http-client.js';
import type { PushedImage, PushedManifest } from '../../http/support/push.js';
import { putImage, putIndex } from './portable-push.js';
import { startCountingProxy, type CountingProxy } from './counting-proxy.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface UpstreamUnderTest {
  kind: 'distribution' | 'distribution-htpasswd' | 'berth';
  /** What an UpstreamSpec's url is set to (the counting proxy's, when there is one). */
  url: string;
  /** host:port of `url`: the upstream's name in messages. */
  host: string;
  /** The accepted account; undefined for an open registry. */
  credentials: Credentials | undefined;
  /** Set when started with `counted`: every request that reached the upstream. */
  proxy: CountingProxy | undefined;
  process: RegistryProcess;
  /** A client of the registry itself with push rights. */
  pusher: Client;
  /** Pushes an OCI image (config + `layers` random layers, the first `layerSize` bytes) under `tag`. */
  pushImage(repository: string, tag: string, layers?: number, layerSize?: number): Promise<PushedImage>;
  /** Pushes an OCI index over the given images under `tag`. */
  pushIndex(repository: string, tag: string, images: PushedImage[]): Promise<PushedManifest>;
  stop(): Promise<void>;
}

export interface UpstreamOptions {
  /** Put a counting proxy in front (the `url` then points at it). */
  counted?: boolean;
  tls?: { certificate: string; key: string };
}

/** Debian's docker-registry without authentication. */
export async function startOpenDistribution(options: UpstreamOptions = {}): Promise<UpstreamUnderTest> {
  const registry = await startDistribution({ tls: options.tls });
  return wrap('distribution', registry, undefined, {}, options, async () => {});
}

/** Debian's docker-registry behind an htpasswd file with one bcrypt account (Basic auth). */
export async function startHtpasswdDistribution(options: UpstreamOptions = {}): Promise<UpstreamUnderTest> {
  const dir = await mkdtemp(join(tmpdir(), 'upstream-htpasswd-'));
  const credentials = { username: 'puller', password: 'upstream-secret-1' };
  const file = join(dir, 'htpasswd');
  await writeFile(file, `${credentials.username}:${bcrypt.hashSync(credentials.password, 5)}\n`);
  const registry = await startDistribution({
    tls: options.tls,
    env: { REGISTRY_AUTH: 'htpasswd', REGISTRY_AUTH_HTPASSWD_REALM: 'upstream', REGISTRY_AUTH_HTPASSWD_PATH: file },
  });
  return wrap('distribution-htpasswd', registry, credentials, { authorization: basic(credentials.username, credentials.password) }, options, () =>
    rm(dir, { recursive: true, force: true }),
  );
}

export const BERTH_UPSTREAM_PROJECT = 'team';

/**
 * A Berth with built-in accounts: the admin (password known) and a private project `team`
 * (BERTH_UPSTREAM_PROJECT) to push into. Anonymous clients get its Bearer challenge and
 * nothing of `team`. Pushes go in with Basic, which Berth also accepts on /v2.
 */
export async function startBerthUpstream(options: UpstreamOptions = {}): Promise<UpstreamUnderTest> {
  const credentials = { username: 'admin', password: 'upstream-admin-password-1' };
  const registry = await startBerth({ auth: 'builtin', tls: options.tls, env: { BERTH_ADMIN_PASSWORD: credentials.password } });
  try {
    await berthAccounts(registry.root).project(BERTH_UPSTREAM_PROJECT, 'private');
  } catch (error) {
    await registry.stop();
    throw error;
  }
  return wrap('berth', registry, credentials, { authorization: basic(credentials.username, credentials.password) }, options, async () => {});
}

async function wrap(
  kind: UpstreamUnderTest['kind'],
  registry: RegistryProcess,
  credentials: Credentials | undefined,
  headers: Record<string, string>,
  options: UpstreamOptions,
  cleanup: () => Promise<void>,
): Promise<UpstreamUnderTest> {
  const proxy = options.counted ? await startCountingProxy(registry.url) : undefined;
  const pusher = withHeaders(client(registry.url), headers);
  return {
    kind,
    url: proxy?.url ?? registry.url,
    host: proxy?.host ?? registry.host,
    credentials,
    proxy,
    process: registry,
    pusher,
    pushImage: (repository, tag, layers = 2, layerSize = 512) => putImage(pusher, repository, tag, layers, layerSize),
    pushIndex: (repository, tag, images) => putIndex(pusher, repository, tag, images),
    async stop() {
      await proxy?.close();
      await registry.stop();
      await cleanup();
    },
  };
}
