/** What the proxy projects' rules need, passed in by the composition root. */
import type { BlobStore } from '../../ports/blob-store.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { PolicyStore } from '../../ports/policy-store.js';
import type { ProxySettings, ProxyStore } from '../../ports/proxy-store.js';
import type { SecretBox } from '../../ports/secret-box.js';
import type { SessionLockStore } from '../../ports/session-lock-store.js';
import type { OpenUpstream } from '../../ports/upstream-registry.js';
import type { ProxyStats } from './proxy-stats.js';

/** Structured log lines (the composition root hands pino's warn/info). */
export type MirrorLog = (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => void;

export interface MirrorDeps {
  proxies: ProxyStore;
  secrets: SecretBox;
  openUpstream: OpenUpstream;
  metadata: MetadataStore;
  blobs: BlobStore;
  policies?: PolicyStore;
  now: () => Date;
  log: MirrorLog;
  stats: ProxyStats;
  /** How long a project's proxy settings are reused before being read again (other instances' changes). */
  settingsCacheMs?: number;
  /**
   * registry:2's proxy mode (config `proxy:`): every repository is proxied to these settings'
   * upstream under its own name, and every push is refused.
   */
  registryProxy?: ProxySettings;
  /** How long an upstream 404 is remembered. */
  negativeTtlMs?: number;
  /**
   * Leases shared with the other processes serving the same data (workers, instances): with it
   * an uncached blob is fetched from the upstream by one process at a time, not one per process
   * (proxy-fill-claim.ts). Absent: this process is alone, and its own single-flight suffices.
   */
  fillLocks?: SessionLockStore;
  /**
   * Frees the memory of chunks nothing holds any more (they read as empty afterwards). With it a
   * fill frees each upstream chunk once both the staging file and the client's socket are done
   * with it; without it they wait for the garbage collector.
   */
  freeChunks?: (chunks: Uint8Array[]) => void;
}
