/**
 * Proxy projects' entry point for the registry's use cases: a project with proxy settings is a
 * pull-through cache of its upstream. ManifestService and BlobService ask `targetOf` for every
 * read and hand proxied repositories to the rules in proxy-manifests.ts and proxy-blobs.ts;
 * writes into a proxy project are refused (`refuseWrite`). Group projects and mirrors will
 * resolve to one of these targets, and reuse the same rules.
 */
import type { ManifestRecord } from '../../ports/metadata-store.js';
import { DeniedError, UnsupportedError } from '../errors.js';
import { projectOf } from '../../ports/project-name.js';
import type { MirrorDeps } from './mirror-deps.js';
import { NegativeCache } from './negative-cache.js';
import { ProxyBlobs, type ProxiedBlob } from './proxy-blobs.js';
import { ProxyManifests } from './proxy-manifests.js';
import { NEGATIVE_TTL_MS } from './proxy-settings.js';
import { ProxyTargets, type ProxyTarget } from './proxy-target.js';
import { RoutingSettings } from './routing-settings.js';
import { SingleFlight } from './single-flight.js';

export class Mirror {
  readonly targets: ProxyTargets;
  /** Group projects and mirrored hosts (core/registry/name-routing.ts reads them). */
  readonly routing: RoutingSettings;
  private readonly manifests: ProxyManifests;
  private readonly blobs: ProxyBlobs;
  private readonly misses: NegativeCache;

  constructor(readonly deps: MirrorDeps) {
    this.targets = new ProxyTargets(deps);
    this.routing = new RoutingSettings(deps.proxies, deps.settingsCacheMs ?? 2000);
    this.misses = new NegativeCache(deps.negativeTtlMs ?? NEGATIVE_TTL_MS, () => Date.now());
    this.manifests = new ProxyManifests(deps, new SingleFlight<ManifestRecord>(), this.misses);
    this.blobs = new ProxyBlobs(deps, new SingleFlight<void>(), this.misses);
  }

  /** The repository's proxy target, or undefined when its project is hosted. */
  targetOf(repository: string): Promise<ProxyTarget | undefined> {
    return this.targets.of(repository);
  }

  manifest(target: ProxyTarget, repository: string, reference: string): Promise<ManifestRecord> {
    return this.manifests.get(target, repository, reference);
  }

  /** Undefined: serve the blob from the store (cached, or just fetched by a concurrent pull). */
  blob(target: ProxyTarget, repository: string, digest: string): Promise<ProxiedBlob | undefined> {
    return this.blobs.fetch(target, repository, digest);
  }

  /** A blob the caller found cached and serves from the store itself. */
  countHit(target: ProxyTarget): void {
    this.deps.stats.count(target.upstream.name, 'hit');
  }

  /** Pushes, deletes and mounts into a proxy project are refused: its content is the upstream's. */
  async refuseWrite(repository: string, action: 'push' | 'delete'): Promise<void> {
    const everything = this.deps.registryProxy;
    if (everything !== undefined) {
      throw new UnsupportedError(
        `this registry is a pull-through cache of ${displayUpstream(everything.url)} (proxy.remoteurl); ${action === 'push' ? 'pushes' : 'deletes'} are refused, as registry:2 does in proxy mode`,
        { rule: 'registry-proxy', upstream: displayUpstream(everything.url), action },
      );
    }
    const project = projectOf(repository);
    const settings = await this.targets.settingsOf(project);
    if (settings === undefined) return;
    const upstream = displayUpstream(settings.url);
    const example = repository.slice(project.length + 1) || 'app';
    throw new DeniedError(
      `${project} is a proxy of ${upstream}; ${action === 'push' ? 'push to' : 'delete from'} a hosted project such as <project>/${example} instead ` +
        '(a proxy project only caches what it pulls from its upstream)',
      { rule: 'proxy-project', project, upstream, action },
    );
  }

  /** A project's settings changed here: use them from the next request on. */
  changed(project: string): void {
    this.targets.forget(project);
    this.routing.forget();
    this.misses.clear(`${project}\0`);
  }

  close(): Promise<void> {
    return this.targets.close();
  }
}

/** `https://registry-1.docker.io` → `docker.io`; other URLs → their host. */
export function displayUpstream(url: string): string {
  try {
    const host = new URL(url).host;
    return /^(registry-1|index)\.docker\.io$|^docker\.io$/.test(host) ? 'docker.io' : host;
  } catch {
    return url;
  }
}
