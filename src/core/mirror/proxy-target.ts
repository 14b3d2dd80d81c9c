/**
 * Which repositories are proxied, and the upstream client each proxy project uses. A repository
 * `hub/library/nginx` in proxy project `hub` is `library/nginx` upstream. Settings are read
 * from the ProxyStore at most every few seconds (other instances' changes arrive that late; this
 * instance's own changes at once, through `forget`); one client per project, replaced (and the
 * old one closed) when the settings change.
 */
import type { ProxySettings } from '../../ports/proxy-store.js';
import type { UpstreamRegistry } from '../../ports/upstream-registry.js';
import { projectOf } from '../../ports/project-name.js';
import type { MirrorDeps } from './mirror-deps.js';

export interface ProxyTarget {
  project: string;
  settings: ProxySettings;
  upstream: UpstreamRegistry;
  /** The repository's name upstream. */
  name: string;
  ttlMs: number;
}

/** The client key of registry:2's proxy mode (no project can be named so). */
const REGISTRY_PROXY = '\0proxy.remoteurl';

interface Known {
  settings: ProxySettings | undefined;
  readAt: number;
}

export class ProxyTargets {
  private readonly known = new Map<string, Known>();
  private readonly clients = new Map<string, { fingerprint: string; client: UpstreamRegistry }>();

  constructor(private readonly deps: MirrorDeps) {}

  /** The project's proxy settings, or undefined for a hosted project. */
  async settingsOf(project: string): Promise<ProxySettings | undefined> {
    const now = Date.now();
    const cached = this.known.get(project);
    if (cached !== undefined && now - cached.readAt < (this.deps.settingsCacheMs ?? 2000)) return cached.settings;
    const settings = await this.deps.proxies.get(project);
    if (this.known.size > 10_000) this.known.clear();
    this.known.set(project, { settings, readAt: now });
    return settings;
  }

  /** The proxy target of a repository, or undefined when its project is hosted. */
  async of(repository: string): Promise<ProxyTarget | undefined> {
    const project = projectOf(repository);
    const everything = this.deps.registryProxy;
    if (everything !== undefined) {
      // Proxy mode: the name is the upstream's own; the project stays the first component (policies, usage).
      return { project, settings: everything, upstream: await this.clientOf(REGISTRY_PROXY, everything), name: repository, ttlMs: everything.ttlSeconds * 1000 };
    }
    // The project's own name is no upstream repository: it stays an (empty) local name.
    if (project === repository) return undefined;
    const settings = await this.settingsOf(project);
    if (settings === undefined) return undefined;
    return {
      project,
      settings,
      upstream: await this.clientOf(project, settings),
      name: repository.slice(project.length + 1),
      ttlMs: settings.ttlSeconds * 1000,
    };
  }

  /** Forgets what is known of a project (its settings were just changed here). */
  forget(project: string): void {
    this.known.delete(project);
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.client.close().catch(() => undefined)));
  }

  private async clientOf(project: string, settings: ProxySettings): Promise<UpstreamRegistry> {
    const fingerprint = JSON.stringify(settings);
    const current = this.clients.get(project);
    if (current !== undefined && current.fingerprint === fingerprint) return current.client;
    const client = await openTarget(this.deps, project, settings);
    // Another request may have opened one meanwhile: keep the first, close ours.
    const raced = this.clients.get(project);
    if (raced !== undefined && raced.fingerprint === fingerprint) {
      void client.close().catch(() => undefined);
      return raced.client;
    }
    this.clients.set(project, { fingerprint, client });
    if (current !== undefined) void current.client.close().catch(() => undefined);
    return client;
  }
}

/** An upstream client for the settings (the password unsealed here, never kept elsewhere). */
export async function openTarget(deps: Pick<MirrorDeps, 'openUpstream' | 'secrets'>, project: string, settings: ProxySettings): Promise<UpstreamRegistry> {
  const password = settings.sealedPassword === undefined ? undefined : await deps.secrets.open(settings.sealedPassword);
  return deps.openUpstream({
    url: settings.url,
    label: project === REGISTRY_PROXY ? 'the registry proxy (proxy.remoteurl)' : `proxy project ${project}`,
    ...(settings.username === undefined ? {} : { username: settings.username }),
    ...(password === undefined ? {} : { password }),
    ...(settings.caPem === undefined ? {} : { ca: settings.caPem }),
    skipVerify: settings.skipVerify,
  });
}
