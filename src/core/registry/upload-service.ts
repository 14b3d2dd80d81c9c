/**
 * Blob upload sessions: start, append chunks, complete under a verified digest, cancel.
 *
 * A session lives in the metadata store (its repository and acknowledged size) and in the
 * blob store (its staged bytes), so any instance can continue it and a restart loses nothing.
 * The running hash of a session is kept in this process as a fast path; when it is missing
 * (restart, another instance, a sha512 digest) completion re-hashes the staged bytes.
 *
 * Only the acknowledged size in metadata counts: an append that fails midway is rolled back by
 * the blob store, and two appends racing on one session cannot both win the size update.
 *
 * Completing claims the digest in metadata before publishing the bytes. The blob store keeps an
 * existing blob and discards the staged copy when the digest is already there, so publishing
 * is only safe if that existing blob cannot be deleted before the upload is recorded: the claim
 * makes the collector leave the digest alone, and a digest the collector has already
 * tombstoned is waited for (its bytes are being deleted) so the staged copy is published
 * afresh. The whole protocol is at the top of core/lifecycle/garbage-collector.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { BlobStoreNotFoundError, BlobStoreOffsetError } from '../../ports/blob-store.js';
import type { UploadSession } from '../../ports/metadata-store.js';
import {
  BlobUploadInvalidError,
  BlobUploadUnknownError,
  DigestInvalidError,
  RangeInvalidError,
  TooManyRequestsError,
} from '../errors.js';
import { projectOf } from '../access/actions.js';
import { checkQuotaRoom } from '../lifecycle/quota.js';
import { checkWritable } from '../lifecycle/write-policy.js';
import { assertDigest, assertName, digestAlgorithm } from '../reference/reference.js';
import { HashingStream, hashStream, newHash } from './digest-hasher.js';
import type { RegistryDeps } from './registry-deps.js';

export interface ChunkRange {
  start: number;
  end: number;
}

/** How long a completion waits for a collector to finish deleting the same digest. */
const CLAIM_PATIENCE_MS = 10_000;
const CLAIM_FIRST_DELAY_MS = 5;
const CLAIM_MAX_DELAY_MS = 250;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface HashState {
  offset: number;
  hash: Hash;
  algorithm: 'sha256' | 'sha512';
}

export class UploadService {
  private readonly hashes = new Map<string, HashState>();
  /** Sessions with a request in flight in this process; a second concurrent one is refused. */
  private readonly busy = new Set<string>();

  constructor(private readonly deps: RegistryDeps) {}

  /** Number of sessions this process is hashing (for metrics). */
  get activeSessions(): number {
    return this.hashes.size;
  }

  async start(repository: string, algorithm: 'sha256' | 'sha512' = 'sha256'): Promise<UploadSession> {
    assertName(repository);
    // Only the start is checked: a session begun before the project turned read-only may
    // finish, but its blobs can no longer be tagged into the repository.
    checkWritable(await this.deps.policies?.get(projectOf(repository)), repository);
    const id = randomUUID();
    const now = this.deps.now();
    // Staging first: a crash between the two leaves an orphan file the sweep removes, never a
    // session whose bytes are missing.
    await this.deps.blobs.createUpload(id);
    const session: UploadSession = { id, repository, size: 0, createdAt: now, updatedAt: now };
    await this.deps.metadata.createUpload(session);
    this.hashes.set(id, { offset: 0, hash: newHash(algorithm), algorithm });
    return session;
  }

  async status(repository: string, id: string): Promise<UploadSession> {
    return this.session(repository, id);
  }

  /**
   * Appends a chunk; `range` (from Content-Range) must start at the acknowledged size.
   * `declaredBytes` (the request's Content-Length) lets a quota refuse it before it is stored.
   */
  async append(repository: string, id: string, body: Readable, range?: ChunkRange, declaredBytes?: number): Promise<UploadSession> {
    return this.exclusive(id, async () => {
      const session = await this.session(repository, id);
      await this.checkRoom(session, declaredBytes);
      return this.appendTo(session, body, range);
    });
  }

  /**
   * Appends an optional final chunk, verifies the whole upload against `digest` and publishes
   * the blob in `repository`. A mismatch cancels the session so nothing is left behind.
   */
  async complete(
    repository: string,
    id: string,
    digest: string,
    body?: Readable,
    range?: ChunkRange,
    declaredBytes?: number,
  ): Promise<{ digest: string; size: number }> {
    assertDigest(digest);
    return this.exclusive(id, async () => {
      let session = await this.session(repository, id);
      if (body) {
        await this.checkRoom(session, declaredBytes, digest);
        session = await this.appendTo(session, body, range);
      }
      let computed: string;
      try {
        computed = await this.computeDigest(session, digestAlgorithm(digest));
      } catch (error) {
        if (error instanceof BlobStoreNotFoundError) return this.recoverCommitted(session, digest);
        throw error;
      }
      if (computed !== digest) {
        await this.discard(id);
        throw new DigestInvalidError('provided digest did not match uploaded content', {
          expected: digest,
          computed,
          size: session.size,
        });
      }
      await this.claim(id, digest);
      await this.deps.checkpoint?.('upload:claimed', [digest]);
      const stat = await this.deps.blobs.commitUpload(id, digest);
      await this.deps.checkpoint?.('upload:committed', [digest]);
      await this.deps.metadata.completeUpload(id, digest, stat.size);
      this.hashes.delete(id);
      return { digest, size: stat.size };
    });
  }

  /**
   * Claims `digest` for the session, waiting while a collector deletes it: once its
   * tombstone is gone so are its bytes, and the commit then publishes this upload's copy.
   */
  private async claim(id: string, digest: string): Promise<void> {
    const sleep = this.deps.sleep ?? defaultSleep;
    let waited = 0;
    for (let delay = CLAIM_FIRST_DELAY_MS; ; delay = Math.min(delay * 2, CLAIM_MAX_DELAY_MS)) {
      if (await this.deps.metadata.claimUpload(id, digest)) return;
      if (waited >= CLAIM_PATIENCE_MS) {
        throw new TooManyRequestsError('the blob is being garbage-collected; retry the upload shortly', { digest });
      }
      await sleep(delay);
      waited += delay;
    }
  }

  /**
   * The staged bytes are gone but the session is not: a crash struck between publishing the
   * blob and closing the session, and the client is retrying the completing PUT. The blob
   * under that digest was verified when it was published; if its size is the session's,
   * finish the bookkeeping the crash interrupted.
   */
  private async recoverCommitted(session: UploadSession, digest: string): Promise<{ digest: string; size: number }> {
    // The first attempt claimed before publishing; claiming again keeps the bytes found below
    // safe from a collector even if that claim was lost.
    await this.claim(session.id, digest);
    const stat = await this.deps.blobs.stat(digest);
    if (stat && stat.size === session.size) {
      await this.deps.metadata.completeUpload(session.id, digest, stat.size);
      this.hashes.delete(session.id);
      return { digest, size: stat.size };
    }
    await this.discard(session.id);
    throw new BlobUploadUnknownError('upload data is missing; start the upload again', { upload: session.id });
  }

  /** A whole blob in one request (POST with `?digest=`). */
  async monolithic(repository: string, digest: string, body: Readable, declaredBytes?: number): Promise<{ digest: string; size: number }> {
    assertDigest(digest);
    const session = await this.start(repository, digestAlgorithm(digest));
    try {
      return await this.complete(repository, session.id, digest, body, undefined, declaredBytes);
    } catch (error) {
      await this.discard(session.id).catch(() => undefined);
      throw error;
    }
  }

  async cancel(repository: string, id: string): Promise<void> {
    await this.session(repository, id);
    await this.discard(id);
  }

  /** Removes sessions idle since `before` (and their staged bytes). Resolves to the count. */
  async purgeStale(before: Date): Promise<number> {
    const stale = await this.deps.metadata.staleUploads(before);
    for (const session of stale) await this.discard(session.id);
    return stale.length;
  }

  /**
   * Removes staged bytes that no session owns (a crash between staging and recording the
   * session). Callers run it only when no other instance can be mid-start on the same store.
   */
  async removeOrphanStaging(): Promise<number> {
    let removed = 0;
    for (const id of await this.deps.blobs.listStaging()) {
      if (await this.deps.metadata.upload(id)) continue;
      if (await this.deps.blobs.abortUpload(id)) removed++;
    }
    return removed;
  }

  /**
   * Refuses a chunk the project's quota cannot hold, before a byte of it is stored: the
   * session's bytes so far plus the declared length count as if the blob were new to the
   * project. The manifest put makes the exact check later (see core/lifecycle/quota.ts).
   */
  private async checkRoom(session: UploadSession, declaredBytes: number | undefined, digest?: string): Promise<void> {
    if (declaredBytes === undefined || this.deps.policies === undefined) return;
    const policy = await this.deps.policies.get(projectOf(session.repository));
    await checkQuotaRoom(this.deps.metadata, policy, session.repository, session.size + declaredBytes, digest);
  }

  private async appendTo(session: UploadSession, body: Readable, range?: ChunkRange): Promise<UploadSession> {
    if (range && range.start !== session.size) {
      throw new RangeInvalidError(`chunk starts at ${range.start} but the upload has ${session.size} bytes`, {
        expectedStart: session.size,
        start: range.start,
      });
    }
    const state = this.hashes.get(session.id);
    const inStep = state !== undefined && state.offset === session.size;
    if (!inStep) this.hashes.delete(session.id);
    const source = inStep ? body.pipe(new HashingStream(state.hash)) : body.pipe(new PassThrough());
    // pipe() does not forward errors; an aborted client body must fail the append.
    let bodyFailed = false;
    body.once('error', (error) => {
      bodyFailed = true;
      source.destroy(error);
    });
    let size: number;
    try {
      size = await this.deps.blobs.appendUpload(session.id, session.size, source);
    } catch (error) {
      this.hashes.delete(session.id);
      // Let go of the body: nothing will read it now, and a pipe left in place would stall it.
      body.unpipe(source);
      if (error instanceof BlobStoreOffsetError && error.actual > session.size) {
        // A crash or lost update left staged bytes the session never acknowledged. They are a
        // true prefix of the client's data, so adopt them; the client resumes from the new end.
        await this.deps.metadata.advanceUpload(session.id, session.size, error.actual);
        throw new RangeInvalidError('upload already holds more bytes than this chunk assumed; resume from its end', {
          expectedStart: error.actual,
        });
      }
      if (bodyFailed) {
        throw new BlobUploadInvalidError('request body ended before it was complete', { upload: session.id }, { cause: error });
      }
      throw translateStoreError(error, session);
    }
    if (range && size - session.size !== range.end - range.start + 1) {
      this.hashes.delete(session.id);
      throw new BlobUploadInvalidError('chunk length does not match its Content-Range', {
        range: `${range.start}-${range.end}`,
        received: size - session.size,
      });
    }
    const updatedAt = this.deps.now();
    if (!(await this.deps.metadata.advanceUpload(session.id, session.size, size))) {
      this.hashes.delete(session.id);
      throw new BlobUploadInvalidError('upload was changed by another request; retry from its current offset');
    }
    if (inStep) state.offset = size;
    return { ...session, size, updatedAt };
  }

  private async computeDigest(session: UploadSession, algorithm: 'sha256' | 'sha512'): Promise<string> {
    const state = this.hashes.get(session.id);
    if (state && state.offset === session.size && state.algorithm === algorithm) {
      this.hashes.delete(session.id);
      return `${algorithm}:${state.hash.digest('hex')}`;
    }
    return hashStream(algorithm, await this.deps.blobs.readUpload(session.id));
  }

  private async session(repository: string, id: string): Promise<UploadSession> {
    assertName(repository);
    const session = /^[A-Za-z0-9_-]{1,128}$/.test(id) ? await this.deps.metadata.upload(id) : undefined;
    if (!session || session.repository !== repository) {
      throw new BlobUploadUnknownError('blob upload unknown to registry', { repository, upload: id });
    }
    return session;
  }

  private async discard(id: string): Promise<void> {
    this.hashes.delete(id);
    await this.deps.blobs.abortUpload(id);
    await this.deps.metadata.deleteUpload(id);
  }

  private async exclusive<T>(id: string, work: () => Promise<T>): Promise<T> {
    if (this.busy.has(id)) {
      throw new BlobUploadInvalidError('another request is writing this upload; send chunks one at a time');
    }
    this.busy.add(id);
    try {
      return await work();
    } finally {
      this.busy.delete(id);
    }
  }
}

function translateStoreError(error: unknown, session: UploadSession): unknown {
  if (error instanceof BlobStoreNotFoundError) {
    return new BlobUploadUnknownError('upload data is missing', { upload: session.id }, { cause: error });
  }
  if (error instanceof BlobStoreOffsetError) {
    return new RangeInvalidError('upload offset mismatch', { expectedStart: session.size }, { cause: error });
  }
  return error;
}
