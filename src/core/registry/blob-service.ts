/**
 * Reading, deleting and mounting blobs. A blob is visible in a repository only through that
 * repository's link: knowing a digest is never enough to read someone else's content.
 */
import type { Readable } from 'node:stream';
import type { BlobReader, ReadRange } from '../../ports/blob-store.js';
import { BlobStoreNotFoundError } from '../../ports/blob-store.js';
import { MetadataBlobInUseError, MetadataBlobUnavailableError } from '../../ports/metadata-lifecycle.js';
import { projectOf } from '../../ports/project-name.js';
import { BlobUnknownError, DeniedError, UnsupportedError } from '../errors.js';
import { checkWritable } from '../lifecycle/write-policy.js';
import { assertDigest, assertName } from '../reference/reference.js';
import type { ProxiedBlob } from '../mirror/proxy-blobs.js';
import type { RegistryDeps } from './registry-deps.js';

export interface BlobContent {
  size: number;
  stream: Readable;
}

export class BlobService {
  constructor(private readonly deps: RegistryDeps) {}

  /**
   * Size of a blob linked into `repository`; BlobUnknownError otherwise. In a proxy project a
   * blob not cached yet is fetched into the cache first (a HEAD before the GET costs one fetch).
   */
  async stat(repository: string, digest: string): Promise<{ size: number }> {
    assertName(repository);
    assertDigest(digest);
    const linked = await this.deps.metadata.linkedBlob(repository, digest);
    if (linked) return linked;
    if (this.deps.mirror !== undefined && (await this.pullThrough(repository, digest, { whole: true })) === undefined) {
      const fetched = await this.deps.metadata.linkedBlob(repository, digest);
      if (fetched) return fetched;
    }
    throw unknown(repository, digest);
  }

  /**
   * For a proxy project's blob not cached yet: its bytes streaming from the upstream while they
   * are cached (see core/mirror/proxy-blobs.ts). Undefined when the caller serves the blob from
   * the store as for a hosted project: it is cached (or was just fetched), or the project is
   * hosted. With `whole`, a fetch is waited out instead (a Range request, a HEAD).
   */
  async pullThrough(repository: string, digest: string, options: { whole?: boolean } = {}): Promise<ProxiedBlob | undefined> {
    assertName(repository);
    assertDigest(digest);
    const mirror = this.deps.mirror;
    const target = await mirror?.targetOf(repository);
    if (target === undefined) return undefined;
    const proxied = await mirror!.blob(target, repository, digest);
    if (proxied === undefined || !options.whole) return proxied;
    for await (const _ of proxied.stream) {
      // drained: the fill commits once the whole blob has arrived
    }
    return undefined;
  }

  /**
   * What a GET serves: the size of a blob `repository` links (the caller reads it from the
   * store), or a proxy project's blob not cached yet, streaming from its upstream (`whole`:
   * waited out, then from the store, as pullThrough does). A cache hit costs one link lookup,
   * as a hosted blob does; pullThrough followed by stat asked twice.
   */
  async locate(repository: string, digest: string, options: { whole?: boolean } = {}): Promise<{ size: number; proxied?: undefined } | { proxied: ProxiedBlob }> {
    assertName(repository);
    assertDigest(digest);
    const { metadata, mirror } = this.deps;
    const linked = await metadata.linkedBlob(repository, digest);
    if (linked) {
      const target = await mirror?.targetOf(repository);
      if (target !== undefined) mirror!.countHit(target);
      return { size: linked.size };
    }
    const proxied = await this.pullThrough(repository, digest, options);
    if (proxied !== undefined) return { proxied };
    const fetched = mirror === undefined ? undefined : await metadata.linkedBlob(repository, digest);
    if (fetched) return { size: fetched.size };
    throw unknown(repository, digest);
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
   * A linked blob for positioned reads into the caller's buffers, or undefined when the store
   * has no such reads (then `open` streams it). Must be closed.
   */
  async openReader(repository: string, digest: string): Promise<BlobReader | undefined> {
    if (this.deps.blobs.openReader === undefined) return undefined;
    try {
      return await this.deps.blobs.openReader(digest);
    } catch (error) {
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
    await this.deps.mirror?.refuseWrite(repository, 'delete');
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
    await this.deps.mirror?.refuseWrite(repository, 'push');
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
