/** What the UI's read use cases need, and the check every one of them starts with. */
import type { BlobStore } from '../../ports/blob-store.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { PolicyStore } from '../../ports/policy-store.js';
import type { AdminContext, Actor } from '../access/admin-context.js';
import type { Action } from '../access/actions.js';
import { NotFoundError } from '../errors.js';
import type { GcStatus } from '../lifecycle/lifecycle.js';
import { assertName } from '../reference/reference.js';

export interface BrowseDeps {
  ctx: AdminContext;
  metadata: MetadataStore;
  blobs: BlobStore;
  policies: PolicyStore;
  /** The collector's status, shown to system admins on the overview. */
  gcStatus: () => Promise<GcStatus>;
  deleteEnabled: boolean;
}

/** A page of a list: 1-based page number and size. */
export interface PageRequest {
  page: number;
  n: number;
}

/** Largest page of any UI list. */
export const MAX_PAGE_SIZE = 100;

/**
 * What the caller may do to `repository`, refusing exactly as /v2 does for someone who may not
 * pull it: the same 404 whether it is private or missing, so a probe learns nothing.
 */
export async function readableRepository(deps: BrowseDeps, actor: Actor, repository: string): Promise<Set<Action>> {
  assertName(repository);
  const actions = await deps.ctx.deps.authorizer.granted(actor, repository);
  if (!actions.has('pull') || !(await deps.metadata.hasRepository(repository))) {
    throw new NotFoundError(`repository ${repository} not found`, { repository });
  }
  return actions;
}

/** Byte-wise order (never locale order), as the catalog lists names. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
