/**
 * Blobs through a proxy project. A blob the repository links is served from the store (a hit).
 * Otherwise it is fetched from the upstream once, however many clients ask at the same time:
 * the first client gets the bytes as they arrive while they are staged and hashed into the blob
 * store; the others wait for the commit and are served from the store. The staged bytes are
 * committed, recorded and linked only once the stream ended, hashed to the digest and matched
 * the size a cached manifest declared; a torn, lying or aborted transfer leaves nothing.
 *
 * Bytes already stored for another repository are fetched all the same: the upstream must show
 * it has them, or a manifest naming a digest would be enough to read someone else's content.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { BlobUnknownError } from '../errors.js';
import type { MirrorDeps } from './mirror-deps.js';
import type { NegativeCache } from './negative-cache.js';
import type { ProxyTarget } from './proxy-target.js';
import { fillOnceAcrossProcesses } from './proxy-fill-claim.js';
import type { SingleFlight } from './single-flight.js';
import { isUpstreamFailure, upstreamFailure } from './upstream-failure.js';

/**
 * Slack per side (staging file, client) before the copy waits: 16 KiB, the stream default, made
 * every 64 KiB socket read wait for both sides in turn.
 */
const STREAM_BUFFER_BYTES = 4 * 1024 * 1024;
/** The same for the staging file, counted in upstream reads (at most 64 KiB each). */
const STAGING_BUFFER_CHUNKS = 64;

export interface ProxiedBlob {
  /** Announced by the upstream; undefined when it sent no length. */
  size: number | undefined;
  /** Byte mode, each upstream chunk passed on as the same object. */
  stream: Readable;
  /**
   * For a sender that knows when the client's connection is done with a chunk of `stream` (its
   * write callback, without error): the fill may then free the chunk once it is staged too.
   */
  sent?: (chunk: Uint8Array) => void;
}

export class ProxyBlobs {
  constructor(
    private readonly deps: MirrorDeps,
    private readonly flights: SingleFlight<void>,
    private readonly misses: NegativeCache,
  ) {}

  /**
   * Undefined when the blob is (now) in the cache and the caller serves it from the store;
   * otherwise the bytes as they come from the upstream, to stream to the client.
   */
  async fetch(target: ProxyTarget, repository: string, digest: string): Promise<ProxiedBlob | undefined> {
    const upstreamName = target.upstream.name;
    if ((await this.deps.metadata.linkedBlob(repository, digest)) !== undefined) {
      this.deps.stats.count(upstreamName, 'hit');
      return undefined;
    }
    const missKey = `${target.project}\0${repository}\0${digest}`;
    if (this.misses.has(missKey)) throw unknown(target, repository, digest);
    let handOver: (blob: ProxiedBlob) => void = () => undefined;
    const opened = new Promise<ProxiedBlob>((resolve) => (handOver = resolve));
    const key = `${repository}\0${digest}`;
    const locks = this.deps.fillLocks;
    const fill = () => this.fill(target, repository, digest, missKey, handOver);
    const flight = this.flights.run(key, async () => {
      if (locks === undefined) return fill();
      const linked = async () => (await this.deps.metadata.linkedBlob(repository, digest)) !== undefined;
      // Served from the store once another process has cached it: a hit for this one.
      if ((await fillOnceAcrossProcesses(locks, `${repository}@${digest}`, linked, fill)) === 'filled-elsewhere') this.deps.stats.count(upstreamName, 'hit');
    });
    if (flight.joined) {
      await flight.promise;
      this.deps.stats.count(upstreamName, 'hit');
      return undefined;
    }
    // The fill's failure before the bytes started reaches this client; after, its stream errors.
    return Promise.race([opened, flight.promise.then(() => undefined)]);
  }

  private async fill(target: ProxyTarget, repository: string, digest: string, missKey: string, handOver: (blob: ProxiedBlob) => void): Promise<void> {
    const { blobs, metadata, stats, log } = this.deps;
    const upstreamName = target.upstream.name;
    let source;
    try {
      source = await target.upstream.getBlob(target.name, digest);
    } catch (error) {
      if (isUpstreamFailure(error)) {
        stats.count(upstreamName, 'error');
        log('warn', { repository, digest, upstream: upstreamName, reason: error.kind, err: error.message }, 'upstream blob fetch failed');
      }
      throw upstreamFailure(error);
    }
    if (source === undefined) {
      this.misses.add(missKey);
      throw unknown(target, repository, digest);
    }
    stats.count(upstreamName, 'miss');
    const client = new PassThrough({ highWaterMark: STREAM_BUFFER_BYTES });
    const shares = this.deps.freeChunks === undefined ? undefined : new ChunkShares(this.deps.freeChunks);
    handOver({ size: source.size, stream: client, ...(shares === undefined ? {} : { sent: (chunk: Uint8Array) => shares.done(chunk) }) });
    const id = `proxy-${randomBytes(12).toString('hex')}`;
    // Chunk by chunk: in byte mode the store's reader gets the whole buffer concatenated (a copy
    // of up to the slack for every read).
    const feed = new PassThrough({ objectMode: true, highWaterMark: STAGING_BUFFER_CHUNKS });
    let staged: Promise<number> | undefined;
    /** Set once the client has every (verified) byte: from then on a failure is the cache's alone. */
    let released = false;
    try {
      await blobs.createUpload(id);
      staged = blobs.appendUpload(id, 0, feed, shares === undefined ? {} : { written: (chunks) => shares.doneAll(chunks) });
      // An append that fails early (a full disk) must stop the copy rather than leave it waiting.
      staged.catch((error: unknown) => feed.destroy(error instanceof Error ? error : new Error(String(error))));
      let size = 0;
      // The last chunk is held back from the client until the digest is checked: a client must
      // not receive a complete-looking response of bytes that turn out to be wrong. The check is
      // the port's (its body throws after the last chunk when the bytes do not hash to the
      // digest); hashing them a second time here cost a fifth of a cold pull's CPU.
      let held: Uint8Array | undefined;
      for await (const chunk of source.body) {
        size += chunk.length;
        stats.addBytes(upstreamName, chunk.length);
        const previous = held;
        held = chunk;
        shares?.share(chunk);
        // Wait only for a side whose buffer is full: the disk and the client each get a few MiB
        // of slack, so a slow append or a client's full window does not stall the other.
        const disk = write(feed, chunk);
        if (previous !== undefined && client.destroyed) shares?.done(previous);
        const out = previous === undefined || client.destroyed ? undefined : write(client, previous);
        if (disk !== undefined || out !== undefined) await Promise.all([disk, out]);
      }
      feed.end();
      // The loop ended without the port throwing: the bytes are the digest's. The client's
      // response is complete now, not after the staging file's fsync and the metadata writes,
      // which are the cache's business (a failure there leaves nothing cached and is logged; the
      // client already has the right bytes). Ending it later held the client's next request on
      // the same keep-alive connection behind this commit: 50–450 ms per blob under load. A
      // request for this blob arriving before the commit joins the flight and is served from the
      // store once it is there.
      if (held !== undefined && !client.destroyed) client.write(held);
      else if (held !== undefined) shares?.done(held);
      client.end();
      released = true;
      await staged;
      const recorded = await metadata.blob(digest);
      if (recorded !== undefined && recorded.size !== size) {
        // Only a declared size can differ, and the bytes are the truth: recordBlob corrects it.
        log('warn', { repository, digest, declared: recorded.size, actual: size }, 'a proxied manifest declared a wrong size for this blob');
      }
      await blobs.commitUpload(id, digest);
      await metadata.recordBlob(digest, size);
      await metadata.linkBlob(repository, digest);
    } catch (error) {
      feed.destroy();
      await staged?.catch(() => undefined);
      await blobs.abortUpload(id).catch(() => undefined);
      if (isUpstreamFailure(error)) {
        stats.count(upstreamName, 'error');
        log('warn', { repository, digest, upstream: upstreamName, reason: error.kind, err: error.message }, 'upstream blob transfer failed; nothing was cached');
      }
      const failure = upstreamFailure(error);
      if (released) {
        log('warn', { repository, digest, err: String(error) }, 'a proxied blob reached the client but could not be cached');
      } else {
        client.destroy(failure instanceof Error ? failure : new Error(String(failure)));
      }
      throw failure;
    }
  }
}

/**
 * Each upstream chunk has two holders, the staging file and the client. Socket reads leave a
 * fresh buffer per chunk, so a cold pull makes as many bytes of garbage as it moves; left to
 * the collector they count against the old generation's limit until a full GC finds them dead
 * (bench/README.md, "A proxy fill's chunks freed once staged and sent"). A chunk
 * is freed once both holders are done with it; one a holder never reports (a client gone, a
 * store that writes views of it) stays with the collector, which is always safe.
 */
class ChunkShares {
  /** Weak: a chunk whose holder never reports must not be kept alive by the count. */
  private readonly holders = new WeakMap<Uint8Array, number>();
  constructor(private readonly free: (chunks: Uint8Array[]) => void) {}

  share(chunk: Uint8Array): void {
    this.holders.set(chunk, 2);
  }

  done(chunk: Uint8Array): void {
    const left = this.holders.get(chunk);
    if (left === undefined) return;
    if (left > 1) {
      this.holders.set(chunk, left - 1);
      return;
    }
    this.holders.delete(chunk);
    this.free([chunk]);
  }

  doneAll(chunks: readonly Uint8Array[]): void {
    for (const chunk of chunks) this.done(chunk);
  }
}

/** Writes one chunk, waiting while the reader is behind (or until it goes away). */
function write(stream: PassThrough, chunk: Uint8Array): Promise<void> | undefined {
  if (stream.write(chunk)) return undefined;
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

function unknown(target: ProxyTarget, repository: string, digest: string) {
  return new BlobUnknownError(`blob unknown to registry (and to ${target.upstream.name}, upstream of proxy project ${target.project})`, {
    repository,
    digest,
  });
}
