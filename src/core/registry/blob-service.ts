/**
 * Reading, deleting and mounting blobs. A blob is visible in a repository only through that
 * repository's link: knowing a digest is never enough to read someone else's content.
 */
import type { Readable } from 'node:stream';
import type { ReadRange } from '../../ports/blob-store.js';
import { BlobStoreNotFoundError } from '../../ports/blob-store.js';
import { MetadataBlobUnavailableError } from '../../ports/metadata-lifecycle.js';
import { BlobUnknownError, UnsupportedError } from '../errors.js';
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

  /** Unlinks a blob from a repository; its bytes go when garbage collection finds it unused. */
  async delete(repository: string, digest: string): Promise<void> {
    if (!this.deps.deleteEnabled) throw new UnsupportedError('deletes are disabled on this registry');
    assertName(repository);
    assertDigest(digest);
    if (!(await this.deps.metadata.unlinkBlob(repository, digest))) throw unknown(repository, digest);
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

function unknown(repository: string, digest: string, cause?: unknown) {
  return new BlobUnknownError('blob unknown to registry', { repository, digest }, { cause });
}
