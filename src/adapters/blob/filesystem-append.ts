/**
 * Writes an upload body to a staging file, gathering the chunks the socket delivers (a few KiB
 * to 64 KiB each) into one pwritev per batch.
 *
 * Batches written with O_DIRECT (`depth` 2, `align`): a direct write returns only once the disk
 * has the bytes, so with one in flight the socket waited on the disk at every batch, slower than
 * the page cache; with two a 1 GiB body went 626–766 MiB/s against 301–473 buffered on the
 * bench's machine, at ~40 % less CPU (bench/README.md). Each batch but the last then ends on a
 * block boundary of the file (its unaligned end starts the next batch), so the writes in flight
 * cover disjoint blocks and none reads back a block another is writing.
 *
 * Why not `pipeline` into an async-iterating sink (what this replaced): that path costs a
 * promise, an async-iterator step and a readable-buffer round trip per socket chunk, ~21,000
 * per GiB, and it stopped reading while each batch was written. Here chunks arrive as plain
 * 'data' events; one batch may be written while the next one gathers, and the source is paused
 * only when that next batch is full too, so at most two batches per upload are held. The
 * chunks themselves go to writev as received: no concatenation, no copy.
 *
 * Settles only once no write is in flight, so a caller that truncates on failure cannot race
 * a write that lands after the truncate.
 *
 * Write-back as the body arrives: each time the file grows past another `writeBackBytes`, a
 * datasync of it starts on the pool, one at a time, while the next batches are received and
 * written. Without it the kernel holds a whole 1 GiB push dirty (its background write-back
 * starts at a tenth of memory) and the commit's fsync then writes it all while the client
 * waits (bench row 2: 523–692 MiB/s before, 801–805 with it; bench/README.md). A failed one fails
 * the append, as a failed write does: the kernel reports a write-back error once, so a later
 * fsync could succeed over the lost bytes. One still under way when the last write lands is
 * not waited for: the append resolves with it (`writingBack`), and the caller must keep the
 * handle open until it settles and hand its error to the commit. A failed append waits for it.
 */
import type { FileHandle } from 'node:fs/promises';
import { finished, type Readable } from 'node:stream';
import { STORE_NAME, writeChunks } from './filesystem-paths.js';

export interface AppendSizes {
  /** Bytes gathered per pwritev. */
  batchBytes: number;
  /** A datasync starts each time the file grows past another multiple of this (Infinity: never). */
  writeBackBytes: number;
  /** Writes one batch (default: one pwritev through the page cache); resolves to the new end. */
  write?: (handle: FileHandle, chunks: Uint8Array[], position: number) => Promise<number>;
  /** Batches written at once (default 1). More than one needs `write` to allow it. */
  depth?: number;
  /** Every batch but the last ends at a file offset that is a multiple of this (default 1). */
  align?: number;
  /** Called with each batch's chunks once they are written (none: they wait for the collector). */
  release?: (chunks: Uint8Array[]) => void;
}

export interface Appended {
  /** The file's size after the append. */
  position: number;
  /** A datasync still under way: settles with its error, or undefined; never rejects. */
  writingBack?: Promise<unknown>;
}

export function appendBody(source: Readable, handle: FileHandle, position: number, sizes: AppendSizes, signal?: AbortSignal): Promise<Appended> {
  const { batchBytes, writeBackBytes, write = writeChunks, depth = 1, align = 1, release } = sizes;
  return new Promise<Appended>((resolve, reject) => {
    let batch: Uint8Array[] = [];
    let batched = 0;
    let writing = 0;
    /** The furthest end a completed write reached. */
    let landed = position;
    let syncing: Promise<unknown> | undefined;
    /** The multiple of writeBackBytes the last datasync was started past. */
    let syncedStep = Math.floor(position / writeBackBytes);
    let ended = false;
    let paused = false;
    let failure: { error: unknown } | undefined;
    let settled = false;

    const settle = (): void => {
      if (settled || writing > 0) return;
      if (failure !== undefined) {
        if (syncing !== undefined) return;
        settled = true;
        reject(failure.error);
      } else if (ended && batched === 0) {
        settled = true;
        resolve(syncing === undefined ? { position } : { position, writingBack: syncing });
      }
    };
    const fail = (error: unknown): void => {
      if (failure !== undefined) return;
      failure = { error };
      batch = [];
      batched = 0;
      source.off('data', onData);
      cleanup();
      signal?.removeEventListener('abort', onAbort);
      // As pipeline did: a failed append stops its source.
      if (!source.destroyed) source.destroy();
      settle();
    };
    /** Starts writes while there is room for one and a batch to give it; resumes or settles. */
    const pump = (): void => {
      while (failure === undefined && writing < depth && (batched >= batchBytes || (ended && batched > 0))) flush();
      if (failure !== undefined) return;
      if (ended) settle();
      else if (paused && batched < batchBytes) {
        paused = false;
        source.resume();
      }
    };
    const flush = (): void => {
      let chunks = batch;
      let length = batched;
      batch = [];
      batched = 0;
      const over = ended ? 0 : (position + length) % align;
      if (over > 0 && over < length) {
        [chunks, batch] = splitTail(chunks, over);
        batched = over;
        length -= over;
      }
      const at = position;
      position += length;
      writing++;
      write(handle, chunks, at).then(
        (next) => {
          writing--;
          release?.(chunks);
          if (next > landed) landed = next;
          if (failure !== undefined) return settle();
          writeBack();
          pump();
        },
        (error: unknown) => {
          writing--;
          if (failure !== undefined) return settle();
          fail(error);
        },
      );
    };
    const writeBack = (): void => {
      const step = Math.floor(landed / writeBackBytes);
      // One at a time: a datasync started late covers every page dirty when it runs.
      if (syncing !== undefined || step === syncedStep) return;
      syncedStep = step;
      const run: Promise<unknown> = handle.datasync().then(
        () => {
          syncing = undefined;
          settle();
          return undefined;
        },
        (error: unknown) => {
          syncing = undefined;
          const reason = error ?? new Error('datasync failed');
          // Handed over already: the body has ended and the reply may be out; the error
          // travels with `writingBack`, and the request (its socket, on keep-alive) is left alone.
          if (!settled) fail(reason);
          return reason;
        },
      );
      syncing = run;
    };
    const onData = (chunk: unknown): void => {
      if (signal?.aborted) return fail(signal.reason);
      let bytes: Uint8Array;
      try {
        bytes = toBytes(chunk);
      } catch (error) {
        return fail(error);
      }
      if (bytes.length === 0) return;
      batch.push(bytes);
      batched += bytes.length;
      if (batched < batchBytes) return;
      if (writing < depth) flush();
      // No room for another write: the source waits until one lands.
      if (batched >= batchBytes && !paused) {
        paused = true;
        source.pause();
      }
    };
    const onAbort = (): void => fail(signal?.reason);

    if (signal?.aborted) {
      source.destroy();
      reject(signal.reason);
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = finished(source, (error) => {
      if (error) return fail(error);
      ended = true;
      signal?.removeEventListener('abort', onAbort);
      pump();
    });
    source.on('data', onData);
  });
}

/** The chunks without their last `bytes` bytes, and those bytes (views, not copies). */
function splitTail(chunks: Uint8Array[], bytes: number): [Uint8Array[], Uint8Array[]] {
  const head = chunks.slice();
  const tail: Uint8Array[] = [];
  let left = bytes;
  while (left > 0) {
    const last = head.pop()!;
    if (last.length <= left) {
      tail.unshift(last);
      left -= last.length;
    } else {
      head.push(last.subarray(0, last.length - left));
      tail.unshift(last.subarray(last.length - left));
      left = 0;
    }
  }
  return [head, tail];
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError(`${STORE_NAME}: upload body must yield bytes`);
}
