/**
 * Blob upload sessions: start, append chunks, complete under a verified digest, cancel.
 *
 * A session lives in the metadata store (its repository and acknowledged size) and in the
 * blob store (its staged bytes), so any instance can continue it and a restart loses nothing.
 * The running hash of a session is kept in this process as a fast path. With a shared blob
 * store (RegistryDeps.resumableHashes set) its state is also saved with the session's size at
 * every chunk, so another instance continues it without reading back the staged bytes (a
 * round trip through the object store per chunk otherwise). When neither is at hand (restart
 * without saved state, a sha512 digest) completion re-hashes the staged bytes.
 *
 * Only the acknowledged size in metadata counts: an append that fails midway is rolled back by
 * the blob store, and two appends racing on one session cannot both win the size update.
 *
 * A session completes only to a digest it has proven: the hash of the bytes it holds, or, when
 * those bytes are gone (a crash between publishing and closing the session), the digest it
 * claimed after verifying them. A session whose bytes vanished otherwise is closed: accepting
 * any digest of the right size would let it link someone else's blob into its repository.
 *
 * Sessions are bounded: per account and per project (RegistryDeps.uploadLimits), with idle ones
 * reclaimed to make room; their staged bytes count toward the project's quota; and a session
 * holds no hash state until its first byte arrives.
 *
 * Completing claims the digest in metadata before publishing the bytes. The blob store keeps an
 * existing blob and discards the staged copy when the digest is already there, so publishing
 * is only safe if that existing blob cannot be deleted before the upload is recorded: the claim
 * makes the collector leave the digest alone, and a digest the collector has already
 * tombstoned is waited for (its bytes are being deleted) so the staged copy is published
 * afresh. The whole protocol is at the top of core/lifecycle/garbage-collector.ts.
 *
 * A request body (node:http's IncomingMessage) handed to append, complete or monolithic is
 * given up: node:http makes each chunk fresh for its socket read and nothing else reads it, so
 * the blob store may free a chunk's memory once it is written (it then reads as empty). Any
 * other stream's chunks may still be held by its caller (a test's buffer, a tee), so those are
 * left to the garbage collector.
 */
import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { BlobStoreNotFoundError, BlobStoreOffsetError } from '../../ports/blob-store.js';
import { MetadataUploadLimitError, MetadataUploadMovedError, type UploadAdvance, type UploadSession } from '../../ports/metadata-store.js';
import type { ResumableHash } from '../../ports/resumable-hash.js';
import {
  BlobUploadInvalidError,
  BlobUploadUnknownError,
  DigestInvalidError,
  RangeInvalidError,
  TooManyRequestsError,
} from '../errors.js';
import { projectOf } from '../access/actions.js';
import { checkWritable } from '../lifecycle/write-policy.js';
import { assertDigest, assertName, digestAlgorithm, type DigestAlgorithm } from '../reference/reference.js';
import { HashingStream, hashStream, nodeHash, offThreadRunningHash, type RunningHash } from './digest-hasher.js';
import type { RegistryDeps } from './registry-deps.js';
import { SessionLocks } from './session-locks.js';
import { bytesGone, tooManyUploads, translateStoreError } from './upload-errors.js';
import { uploadQuotaExceeded, uploadRoom } from './upload-quota.js';

export interface ChunkRange {
  start: number;
  end: number;
}

/** How long a completion waits for a collector to finish deleting the same digest. */
const CLAIM_PATIENCE_MS = 10_000;
const CLAIM_FIRST_DELAY_MS = 5;
const CLAIM_MAX_DELAY_MS = 250;

/**
 * Bodies at least this long (by Content-Length; a body of unknown length counts as long) are
 * hashed on the hashing thread when there is one (RegistryDeps.offThreadHashes); shorter
 * ones inline, where the hop costs more than it saves. Measured in bench/README.md.
 */
export const OFF_THREAD_MIN_BYTES = 8 * 1024 * 1024;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface HashState {
  offset: number;
  hash: RunningHash;
  algorithm: DigestAlgorithm;
}

/** `UploadSession.hashState` is `<algorithm> <saved state>`. */
function encodeHashState(algorithm: DigestAlgorithm, saved: string): string {
  return `${algorithm} ${saved}`;
}

export class UploadService {
  /** Running hashes, only of sessions that have received bytes in this process. */
  private readonly hashes = new Map<string, HashState>();
  private readonly locks: SessionLocks;

  constructor(private readonly deps: RegistryDeps) {
    this.locks = new SessionLocks(deps.sessionLocks === undefined ? undefined : { store: deps.sessionLocks, now: () => Date.now() });
  }

  /** Hashes held for this process's uploads by the hashing thread (for metrics; 0 without one). */
  get offThreadHashes(): number {
    return this.deps.offThreadHashes?.live ?? 0;
  }

  /** Number of sessions this process is hashing (for metrics). */
  get activeSessions(): number {
    return this.hashes.size;
  }

  /**
   * Opens a session for `account` (undefined: an anonymous caller, counted only in the
   * project's cap). TooManyRequestsError when the account or the project already has as many
   * open sessions as it may and none has been idle long enough to be reclaimed.
   */
  async start(repository: string, account?: string): Promise<UploadSession> {
    assertName(repository);
    // Only the start is checked: a session begun before the project turned read-only may
    // finish, but its blobs can no longer be tagged into the repository.
    await this.deps.mirror?.refuseWrite(repository, 'push');
    checkWritable(await this.deps.policies?.get(projectOf(repository)), repository);
    const id = randomUUID();
    const now = this.deps.now();
    const session: UploadSession = { id, repository, ...(account === undefined ? {} : { account }), size: 0, createdAt: now, updatedAt: now };
    // The session first, under the caps, so a refused start (a flood) costs no file at all. A
    // crash before the staging file exists leaves a session without bytes, which the start-up
    // sweep closes (closeSessionsWithoutBytes); its id was never handed to a client.
    await this.record(session);
    try {
      await this.deps.blobs.createUpload(id);
    } catch (error) {
      await this.deps.metadata.deleteUpload(id).catch(() => undefined);
      throw translateStoreError(error, id);
    }
    return session;
  }

  /** Records the session under the caps, reclaiming idle sessions once if a cap is full. */
  private async record(session: UploadSession): Promise<void> {
    const limits = this.deps.uploadLimits;
    if (limits === undefined) return this.deps.metadata.createUpload(session);
    const caps = { limits: { perAccount: limits.perAccount, perProject: limits.perProject } };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.deps.metadata.createUpload(session, caps);
      } catch (error) {
        if (!(error instanceof MetadataUploadLimitError)) throw error;
        if (attempt === 0 && (await this.reclaimIdle(error)) > 0) continue;
        throw tooManyUploads(error, limits.reclaimAfterMs);
      }
    }
  }

  /**
   * Closes the longest-idle sessions of a full account or project (idle past the reclaim age,
   * no request in flight here): a client that died mid-push must not hold its slots for days.
   */
  private async reclaimIdle(full: MetadataUploadLimitError): Promise<number> {
    const reclaimAfterMs = this.deps.uploadLimits?.reclaimAfterMs ?? Infinity;
    const idleSince = new Date(this.deps.now().getTime() - reclaimAfterMs);
    const idle = await this.deps.metadata.staleUploads(idleSince, { scope: full.scope, limit: full.open - full.limit + 1 });
    let closed = 0;
    for (const session of idle) {
      if (await this.locks.runIfFree(session.id, () => this.discard(session.id))) closed++;
    }
    return closed;
  }

  async status(repository: string, id: string): Promise<UploadSession> {
    return this.session(repository, id);
  }

  /**
   * Appends a chunk; `range` (from Content-Range) must start at the acknowledged size.
   * `declaredBytes` (the request's Content-Length) lets a quota refuse it before it is stored.
   */
  async append(repository: string, id: string, body: Readable, range?: ChunkRange, declaredBytes?: number): Promise<UploadSession> {
    return this.locks.run(id, 'write', async () => {
      const session = await this.session(repository, id);
      const room = await this.checkRoom(session, declaredBytes);
      return this.appendTo(session, body, { range, room, declaredBytes });
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
    return this.locks.run(id, 'write', async () => {
      let session = await this.session(repository, id);
      // The last chunk's new size is recorded with the claim below, in one transaction, rather
      // than on its own first: a push whose PUT carries the whole blob commits twice, not three
      // times. Until the claim the session still says the old size, exactly as after a crash
      // between an append and its advance, and a retry adopts the staged bytes the same way.
      let advance: UploadAdvance | undefined;
      if (body) {
        const room = await this.checkRoom(session, declaredBytes, digest);
        const from = session.size;
        session = await this.appendTo(session, body, { range, room, algorithm: digestAlgorithm(digest), deferAdvance: true, declaredBytes });
        if (session.size !== from) advance = { from, to: session.size };
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
      await this.claim(id, digest, advance);
      await this.deps.checkpoint?.('upload:claimed', [digest]);
      const stat = await this.deps.blobs.commitUpload(id, digest).catch((error: unknown) => {
        throw translateStoreError(error, id);
      });
      await this.deps.checkpoint?.('upload:committed', [digest]);
      await this.deps.metadata.completeUpload(id, digest, stat.size);
      this.forget(id);
      return { digest, size: stat.size };
    });
  }

  /**
   * Claims `digest` for the session, waiting while a collector deletes it: once its
   * tombstone is gone so are its bytes, and the commit then publishes this upload's copy.
   */
  private async claim(id: string, digest: string, advance?: UploadAdvance): Promise<void> {
    const sleep = this.deps.sleep ?? defaultSleep;
    let waited = 0;
    for (let delay = CLAIM_FIRST_DELAY_MS; ; delay = Math.min(delay * 2, CLAIM_MAX_DELAY_MS)) {
      let claimed: boolean;
      try {
        claimed = await this.deps.metadata.claimUpload(id, digest, advance === undefined ? undefined : { advance });
      } catch (error) {
        if (error instanceof MetadataUploadMovedError) {
          this.forget(id);
          throw new BlobUploadInvalidError('upload was changed by another request; retry from its current offset');
        }
        throw error;
      }
      if (claimed) return;
      if (waited >= CLAIM_PATIENCE_MS) {
        // The client will retry the PUT without its body: the session must own the bytes.
        if (advance !== undefined) await this.deps.metadata.advanceUpload(id, advance.from, advance.to);
        throw new TooManyRequestsError('the blob is being garbage-collected; retry the upload shortly', { digest });
      }
      await sleep(delay);
      waited += delay;
    }
  }

  /**
   * The staged bytes are gone but the session is not. Legitimately that is one case: a crash
   * struck between publishing the blob and closing the session, and the client is retrying
   * the completing PUT; the session then claimed the digest after hashing its bytes, before
   * publishing them, so finish the bookkeeping the crash interrupted. Any other digest is
   * refused: this session never held those bytes (a size that matches proves nothing), and a
   * session without its bytes is closed.
   */
  private async recoverCommitted(session: UploadSession, digest: string): Promise<{ digest: string; size: number }> {
    if (session.claimedDigest === digest) {
      // Claiming again keeps the bytes found below safe from a collector even if a collector
      // has run since the crash.
      await this.claim(session.id, digest);
      const stat = await this.deps.blobs.stat(digest);
      if (stat && stat.size === session.size) {
        await this.deps.metadata.completeUpload(session.id, digest, stat.size);
        this.forget(session.id);
        return { digest, size: stat.size };
      }
    }
    await this.discard(session.id);
    throw bytesGone(session.id);
  }

  /** A whole blob in one request (POST with `?digest=`). */
  async monolithic(repository: string, digest: string, body: Readable, declaredBytes?: number, account?: string): Promise<{ digest: string; size: number }> {
    assertDigest(digest);
    const session = await this.start(repository, account);
    try {
      return await this.complete(repository, session.id, digest, body, undefined, declaredBytes);
    } catch (error) {
      await this.discard(session.id).catch(() => undefined);
      throw error;
    }
  }

  /**
   * A blob from a file on this machine (`berth import`): hard-linked into the store when
   * `link` is set and the store can (BlobStore.stageFromFile), otherwise copied from `open()`.
   * Either way it goes through a session, so the digest is verified on the staged bytes, the
   * collector's claim protocol applies and the blob is linked into `repository`. A mismatch
   * is DigestInvalidError and leaves nothing behind (an unlinked staging name, never the
   * source's bytes).
   */
  async importFile(
    repository: string,
    digest: string,
    path: string,
    open: () => Promise<Readable>,
    options: { link: boolean; size?: number },
  ): Promise<{ digest: string; size: number; linked: boolean }> {
    assertDigest(digest);
    const stage = this.deps.blobs.stageFromFile?.bind(this.deps.blobs);
    if (!options.link || stage === undefined) {
      return { ...(await this.monolithic(repository, digest, await open(), options.size)), linked: false };
    }
    const session = await this.start(repository);
    let staged: number | undefined;
    try {
      staged = await this.locks.run(session.id, 'write', async () => {
        const size = await stage(session.id, path).catch((error: unknown) => {
          throw translateStoreError(error, session.id);
        });
        if (size !== undefined && size > 0 && !(await this.deps.metadata.advanceUpload(session.id, 0, size))) {
          throw new BlobUploadInvalidError('upload was changed by another request');
        }
        return size;
      });
      if (staged !== undefined) return { ...(await this.complete(repository, session.id, digest)), linked: true };
    } catch (error) {
      await this.discard(session.id).catch(() => undefined);
      throw error;
    }
    await this.discard(session.id);
    return { ...(await this.monolithic(repository, digest, await open(), options.size)), linked: false };
  }

  /**
   * Cancels the session once any request on it has finished (see session-locks.ts): racing a
   * completing PUT, one of the two wins and the other finds no such upload.
   */
  async cancel(repository: string, id: string): Promise<void> {
    await this.locks.run(id, 'remove', async () => {
      await this.session(repository, id);
      await this.discard(id);
    });
  }

  /**
   * Removes sessions idle since `before` (and their staged bytes), except one a request is
   * using right now (a long PATCH stamps the session only when it ends). Resolves to the count.
   */
  async purgeStale(before: Date): Promise<number> {
    const stale = await this.deps.metadata.staleUploads(before);
    let removed = 0;
    for (const session of stale) {
      if (await this.locks.runIfFree(session.id, () => this.discard(session.id))) removed++;
    }
    return removed;
  }

  /**
   * Closes sessions whose staged bytes are gone (a sweep removed them, or a disk was
   * restored without them), so the session and the store agree again. A session that claimed
   * its digest is kept: its bytes may have been published just before a crash, and the
   * client's retried PUT finishes it. Like removeOrphanStaging, for start-up only.
   */
  async closeSessionsWithoutBytes(): Promise<number> {
    const staged = new Set(await this.deps.blobs.listStaging());
    let closed = 0;
    for (const session of await this.deps.metadata.staleUploads(new Date(8.64e15))) {
      if (staged.has(session.id) || session.claimedDigest !== undefined) continue;
      if (await this.deps.metadata.deleteUpload(session.id)) closed++;
    }
    return closed;
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
   * Refuses a chunk the project's quota cannot hold, before a byte of it is stored: what the
   * project stores, plus what all its unfinished uploads have staged, plus the declared length
   * count as if the blob were new to the project. A body of unknown length is refused when the
   * project has no room at all; otherwise resolves to the room, which the append enforces as
   * the bytes stream. The manifest put makes the exact check later (see core/lifecycle/quota.ts).
   */
  private async checkRoom(session: UploadSession, declaredBytes: number | undefined, digest?: string): Promise<ChunkRoom | undefined> {
    if (this.deps.policies === undefined || declaredBytes === 0) return undefined;
    const policy = await this.deps.policies.get(projectOf(session.repository));
    const room = await uploadRoom(this.deps.metadata, policy, session.repository, digest);
    if (room === undefined) return undefined;
    if (declaredBytes !== undefined ? declaredBytes > room.roomBytes : room.roomBytes <= 0) {
      throw uploadQuotaExceeded(room, declaredBytes);
    }
    return { maxBytes: room.roomBytes, tooLarge: () => uploadQuotaExceeded(room, undefined) };
  }

  private async appendTo(
    session: UploadSession,
    body: Readable,
    options: { range?: ChunkRange; room?: ChunkRoom; algorithm?: DigestAlgorithm; deferAdvance?: boolean; declaredBytes?: number } = {},
  ): Promise<UploadSession> {
    const { range, room } = options;
    if (range && range.start !== session.size) {
      throw new RangeInvalidError(`chunk starts at ${range.start} but the upload has ${session.size} bytes`, {
        expectedStart: session.size,
        start: range.start,
      });
    }
    // The running hash continues where it stopped, here or (saved) on another instance; a
    // session's first bytes start one. Otherwise completion re-hashes the staged bytes.
    let state = this.hashes.get(session.id);
    if (state === undefined || state.offset !== session.size) {
      this.forget(session.id);
      state = await this.savedHash(session);
    }
    const algorithm = state?.algorithm ?? options.algorithm ?? 'sha256';
    // A whole blob in the completing request (monolithic PUT) is never continued elsewhere, so it
    // keeps Node's native hash even when sessions can move: the saveable one costs about twice as
    // much CPU per byte, which halved big pushes with several workers.
    const hashFrom =
      state !== undefined
        ? state.hash
        : session.size === 0
          ? (this.offThread(algorithm, options) ?? (options.deferAdvance ? algorithm : await this.freshHash(algorithm)))
          : undefined;
    const source = body.pipe(new HashingStream(hashFrom, room));
    // Its own refusal (past the quota's room) reaches the caller through appendUpload; the
    // stream's error event must not also go unhandled once appendUpload has stopped listening.
    source.on('error', () => undefined);
    // pipe() does not forward errors; an aborted client body must fail the append.
    let bodyFailed = false;
    body.once('error', (error) => {
      bodyFailed = true;
      source.destroy(error);
    });
    let size: number;
    try {
      size = await this.deps.blobs.appendUpload(session.id, session.size, source, {
        releaseChunks: body instanceof IncomingMessage,
        ...(options.declaredBytes === undefined ? {} : { expectedBytes: options.declaredBytes }),
      });
    } catch (error) {
      this.forget(session.id);
      // A hash this append started is not in `hashes` yet.
      source.hash?.dispose?.();
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
      if (error instanceof BlobStoreNotFoundError) {
        // The staged bytes are gone (swept, or lost with a disk): the session cannot go on.
        await this.discard(session.id);
        throw bytesGone(session.id, error);
      }
      throw translateStoreError(error, session.id, session.size);
    }
    if (range && size - session.size !== range.end - range.start + 1) {
      this.forget(session.id);
      source.hash?.dispose?.();
      throw new BlobUploadInvalidError('chunk length does not match its Content-Range', {
        range: `${range.start}-${range.end}`,
        received: size - session.size,
      });
    }
    // An empty chunk changes nothing, so it does not refresh the session either: only bytes
    // keep a session from expiring, which keeps it in step with its staging file's age.
    if (size === session.size) return session;
    const updatedAt = this.deps.now();
    const hash = source.hash;
    if (options.deferAdvance) {
      // The caller records the size (with its claim) and finishes the hash right away: nothing
      // else will continue it, so neither is saved.
      if (hash !== undefined) this.hashes.set(session.id, { offset: size, hash, algorithm });
      return { ...session, size, updatedAt };
    }
    const saved = hash?.save?.();
    const advance = saved === undefined ? {} : { hashState: encodeHashState(algorithm, saved) };
    if (!(await this.deps.metadata.advanceUpload(session.id, session.size, size, advance))) {
      this.forget(session.id);
      hash?.dispose?.();
      throw new BlobUploadInvalidError('upload was changed by another request; retry from its current offset');
    }
    if (hash !== undefined) this.hashes.set(session.id, { offset: size, hash, algorithm });
    return { ...session, size, updatedAt, ...(advance.hashState === undefined ? {} : { hashState: advance.hashState }) };
  }

  private async computeDigest(session: UploadSession, algorithm: 'sha256' | 'sha512'): Promise<string> {
    const here = this.hashes.get(session.id);
    if (here !== undefined && here.offset !== session.size) this.forget(session.id);
    const state = here !== undefined && here.offset === session.size ? here : await this.savedHash(session);
    this.hashes.delete(session.id);
    if (state !== undefined && state.algorithm === algorithm) return `${algorithm}:${await state.hash.hex()}`;
    state?.hash.dispose?.();
    return hashStream(algorithm, await this.deps.blobs.readUpload(session.id));
  }

  /** The hash another instance (or this one before a restart) saved with the session's size. */
  private async savedHash(session: UploadSession): Promise<HashState | undefined> {
    const hashes = this.deps.resumableHashes;
    const text = session.hashState;
    if (hashes === undefined || text === undefined || session.size === 0) return undefined;
    const space = text.indexOf(' ');
    const algorithm = text.slice(0, space);
    if (algorithm !== 'sha256' && algorithm !== 'sha512') return undefined;
    const resumed = await hashes.resume(algorithm, text.slice(space + 1));
    return resumed === undefined ? undefined : { offset: session.size, algorithm, hash: wrapResumable(resumed) };
  }

  /**
   * A hash on the hashing thread for a session's first bytes when the body is long enough to
   * pay for the hop (OFF_THREAD_MIN_BYTES), made on its first byte; undefined: hash here. A
   * session whose chunks may move between instances needs a saveable hash instead, unless the
   * request completes it (a whole blob in one request).
   */
  private offThread(
    algorithm: DigestAlgorithm,
    options: { deferAdvance?: boolean; declaredBytes?: number },
  ): (() => RunningHash) | undefined {
    const hashes = this.deps.offThreadHashes;
    if (hashes === undefined || (this.deps.resumableHashes !== undefined && !options.deferAdvance)) return undefined;
    if (options.declaredBytes !== undefined && options.declaredBytes < OFF_THREAD_MIN_BYTES) return undefined;
    return () => {
      const started = hashes.start(algorithm);
      return started === undefined ? nodeHash(algorithm) : offThreadRunningHash(started);
    };
  }

  /** A new hash for a session's first bytes: a saveable one when sessions move between instances. */
  private async freshHash(algorithm: DigestAlgorithm): Promise<RunningHash | DigestAlgorithm> {
    const started = await this.deps.resumableHashes?.start(algorithm);
    // Node's own hash otherwise, created on the first byte (see HashingStream).
    return started === undefined ? algorithm : wrapResumable(started);
  }

  private async session(repository: string, id: string): Promise<UploadSession> {
    assertName(repository);
    const session = /^[A-Za-z0-9_-]{1,128}$/.test(id) ? await this.deps.metadata.upload(id) : undefined;
    if (!session || session.repository !== repository) {
      throw new BlobUploadUnknownError(
        `blob upload unknown to registry (completed, cancelled or expired); start a new upload with POST /v2/${repository}/blobs/uploads/`,
        { repository, upload: id },
      );
    }
    return session;
  }

  /** Drops a session's running hash, and whatever a hashing thread holds for it. */
  private forget(id: string): void {
    this.hashes.get(id)?.hash.dispose?.();
    this.hashes.delete(id);
  }

  private async discard(id: string): Promise<void> {
    this.forget(id);
    await this.deps.blobs.abortUpload(id);
    await this.deps.metadata.deleteUpload(id);
  }

}

function wrapResumable(hash: ResumableHash): RunningHash {
  return { update: (chunk) => hash.update(chunk), hex: () => hash.digest(), save: () => hash.save() };
}

interface ChunkRoom {
  maxBytes: number;
  tooLarge: () => Error;
}
