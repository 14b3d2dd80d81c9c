/**
 * Reading, deleting and mounting blobs. A blob is visible in a repository only through that
 * repository's link: knowing a digest is never enough to read someone else's content.
 */
import type { Readable } from 'node:stream';
import type { ReadRange } from '../../ports/blob-store.js';
import { BlobStoreNotFoundError } from '../../ports/blob-store.js';
import { MetadataBlobInUseError, MetadataBlobUnavailableError } from '../../ports/metadata-lifecycle.js';
import { projectOf } from '../../ports/project-name.js';
import { BlobUnknownError, DeniedError, UnsupportedError } from '../errors.js';
import { checkWritable } from '../lifecycle/write-policy.js';
import { assertDigest, assertName } from '../reference/reference.js';
import type { RegistryDeps } from './registry-deps.js';

export interface BlobContent {
  size: number;
  stream: Readable;
}

export class BlobService {
  constructor(private readonly deps: RegistryDeps) {}

  /** Size of a blob linked into `repository`; BlobUnknownError otherwise. */
  async stat(repository: string, digest: string): Promise<{ size: number }> {
    assertName(repository);
    assertDigest(digest);
    const linked = await this.deps.metadata.linkedBlob(repository, digest);
    if (!linked) throw unknown(repository, digest);
    return linked;
  }

  /**
   * Where a client may fetch a blob linked into `repository` directly (a presigned URL of the
   * object store), or undefined when redirects are off or the store cannot make one. The link
   * is checked here, so the URL is only ever handed to someone who may read the blob.
   */
  async redirectUrl(repository: string, digest: string): Promise<string | undefined> {
    if (!this.deps.redirectBlobs || this.deps.blobs.presignedUrl === undefined) return undefined;
    await this.stat(repository, digest);
    return this.deps.blobs.presignedUrl(digest);
  }

  /** Opens a linked blob, or a byte range of it (validated by the caller against `stat`). */
  async open(repository: string, digest: string, range?: ReadRange): Promise<Readable> {
    try {
      return await this.deps.blobs.read(digest, range ? { range } : {});
    } catch (error) {
      // Metadata says linked but the bytes are gone (manual deletion of the tree): report it
      // as unknown rather than fail the request with a 500.
      if (error instanceof BlobStoreNotFoundError) throw unknown(repository, digest, error);
      throw error;
    }
  }

  /**
   * Unlinks a blob from a repository; its bytes go when garbage collection finds it unused.
   * Refused in a read-only project, and while a manifest there references the blob: the
   * distribution spec lets a registry refuse blob deletes, and unlinking a layer in use only
   * breaks pulls of that manifest (immutable tags included). No override, not even for admins:
   * deleting the manifests first does the same thing without leaving anything unpullable, and
   * the collector frees the bytes once nothing references them.
   */
  async delete(repository: string, digest: string): Promise<void> {
    if (!this.deps.deleteEnabled) throw new UnsupportedError('deletes are disabled on this registry');
    assertName(repository);
    assertDigest(digest);
    checkWritable(await this.deps.policies?.get(projectOf(repository)), repository);
    let unlinked: boolean;
    try {
      unlinked = await this.deps.metadata.unlinkBlob(repository, digest);
    } catch (error) {
      if (error instanceof MetadataBlobInUseError) throw inUse(repository, error);
      throw error;
    }
    if (!unlinked) throw unknown(repository, digest);
  }

  /**
   * Links an existing blob into `repository` without moving bytes. With `from`, the source
   * must link it; without, any recorded blob qualifies. False when the mount cannot happen,
   * which callers answer with a fresh upload session (clients then upload normally).
   */
  async mount(repository: string, digest: string, from: string | undefined): Promise<{ size: number } | undefined> {
    assertName(repository);
    assertDigest(digest);
    const { metadata } = this.deps;
    let source: { size: number } | undefined;
    if (from !== undefined) {
      assertName(from);
      source = await metadata.linkedBlob(from, digest);
    } else {
      source = await metadata.blob(digest);
    }
    if (!source) return undefined;
    if (!(await this.deps.blobs.stat(digest))) return undefined;
    await this.deps.checkpoint?.('mount:checked', [digest]);
    try {
      // Refused if a collector tombstoned the blob since the checks above: its bytes are going.
      await metadata.linkBlob(repository, digest);
    } catch (error) {
      if (error instanceof MetadataBlobUnavailableError) return undefined;
      throw error;
    }
    return source;
  }
}

function inUse(repository: string, error: MetadataBlobInUseError) {
  const tags = error.tags.length > 0 ? ` (tags: ${error.tags.join(', ')})` : '';
  return new DeniedError(
    `blob ${error.digest} is used by manifest(s) ${error.manifests.join(', ')}${tags} in ${repository}; ` +
      `delete those manifests first (DELETE /v2/${repository}/manifests/<digest>), then the blob`,
    { rule: 'blob-in-use', repository, digest: error.digest, manifests: error.manifests, tags: error.tags },
    { cause: error },
  );
}

function unknown(repository: string, digest: string, cause?: unknown) {
  return new BlobUnknownError('blob unknown to registry', { repository, digest }, { cause });
}
