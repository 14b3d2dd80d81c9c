/** The registry's use cases, bundled for the edges (HTTP, CLI) that call them. */
import { BlobService } from './blob-service.js';
import { ListingService } from './listing-service.js';
import { ManifestService } from './manifest-service.js';
import type { RegistryDeps } from './registry-deps.js';
import { UploadService } from './upload-service.js';

export class Registry {
  readonly blobs: BlobService;
  readonly uploads: UploadService;
  readonly manifests: ManifestService;
  readonly listings: ListingService;

  constructor(readonly deps: RegistryDeps) {
    this.blobs = new BlobService(deps);
    this.uploads = new UploadService(deps);
    this.manifests = new ManifestService(deps);
    this.listings = new ListingService(deps);
  }

  /** Whether the stores answer (for /readyz). */
  async ready(): Promise<void> {
    await Promise.all([this.deps.metadata.ping(), this.deps.blobs.ping()]);
  }

  /** Each store's answer on its own (for /readyz): which dependency is down, not just that one is. */
  async readiness(): Promise<Record<'database' | 'storage', DependencyCheck>> {
    const [database, storage] = await Promise.all([check(() => this.deps.metadata.ping()), check(() => this.deps.blobs.ping())]);
    return { database, storage };
  }
}

export type DependencyCheck = { status: 'ok' } | { status: 'unavailable'; reason: string };

async function check(ping: () => Promise<void>): Promise<DependencyCheck> {
  try {
    await ping();
    return { status: 'ok' };
  } catch (error) {
    return { status: 'unavailable', reason: error instanceof Error ? error.message : String(error) };
  }
}
