/** The registry's use cases, bundled for the edges (HTTP, CLI) that call them. */
import { BlobService } from './blob-service.js';
import { ListingService } from './listing-service.js';
import { ManifestService } from './manifest-service.js';
import { NameRouting } from './name-routing.js';
import type { RegistryDeps } from './registry-deps.js';
import { UploadService } from './upload-service.js';

export class Registry {
  readonly blobs: BlobService;
  readonly uploads: UploadService;
  readonly manifests: ManifestService;
  readonly listings: ListingService;
  /** Group projects and transparent mirrors: which repository serves a name. */
  readonly routing: NameRouting;

  constructor(readonly deps: RegistryDeps) {
    this.blobs = new BlobService(deps);
    this.uploads = new UploadService(deps);
    this.manifests = new ManifestService(deps);
    this.listings = new ListingService(deps);
    this.routing = new NameRouting(deps, this.manifests, this.blobs);
  }

  /** Whether the stores answer (for /readyz). */
  async ready(): Promise<void> {
    await Promise.all([this.deps.metadata.ping(), this.deps.blobs.ping()]);
  }

  /**
   * Each dependency's answer on its own (for /readyz), so an operator sees which one is down.
   * A dependency that has not answered within `timeoutMs` counts as down.
   */
  async readiness(timeoutMs = 5000): Promise<Readiness> {
    const check = async (ping: (signal: AbortSignal) => Promise<void>): Promise<DependencyState> => {
      try {
        await ping(AbortSignal.timeout(timeoutMs));
        return { status: 'ok' };
      } catch (error) {
        return { status: 'unavailable', reason: error instanceof Error ? error.message : String(error) };
      }
    };
    const [database, objectStore] = await Promise.all([
      check((signal) => this.deps.metadata.ping({ signal })),
      check((signal) => this.deps.blobs.ping({ signal })),
    ]);
    return { database, objectStore };
  }
}

export type DependencyState = { status: 'ok' } | { status: 'unavailable'; reason: string };

export interface Readiness {
  database: DependencyState;
  objectStore: DependencyState;
}
