/**
 * Group and mirror settings as the request path reads them: from the ProxyStore at most every
 * few seconds (other instances' changes arrive that late; this instance's own at once through
 * `forget`), because every /v2 request asks whether its project is a group.
 */
import type { GroupSettings, ProxyStore } from '../../ports/proxy-store.js';

interface Cached<T> {
  value: T;
  readAt: number;
}

export class RoutingSettings {
  private readonly groups = new Map<string, Cached<GroupSettings | undefined>>();
  private readonly mirrors = new Map<string, Cached<string | undefined>>();

  constructor(
    private readonly store: ProxyStore,
    private readonly maxAgeMs = 2000,
  ) {}

  group(project: string): Promise<GroupSettings | undefined> {
    return this.read(this.groups, project, () => this.store.group(project));
  }

  /** The project mirroring `host`, if any. */
  mirrorOf(host: string): Promise<string | undefined> {
    return this.read(this.mirrors, host, () => this.store.mirrorOf(host));
  }

  forget(): void {
    this.groups.clear();
    this.mirrors.clear();
  }

  private async read<T>(cache: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = cache.get(key);
    if (hit !== undefined && now - hit.readAt < this.maxAgeMs) return hit.value;
    const value = await load();
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { value, readAt: now });
    return value;
  }
}
