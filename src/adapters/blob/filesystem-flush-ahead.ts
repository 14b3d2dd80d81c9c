/**
 * Write-back started when an append ends, so the fsync that makes a commit durable finds the
 * bytes on disk already, or well under way. A client that sends the body in a PATCH and
 * completes with a bodyless PUT (the Docker engine, containerd) used to wait in the PUT for the
 * whole layer's write-back; now the flush overlaps the PATCH's metadata write and answer, the
 * client's pause and the PUT's own checks (bench/README.md, issue 14).
 *
 * fsync(2) flushes the file whichever descriptor asks, so a flush that succeeded after the
 * upload's last write makes the commit's own fsync unnecessary. A failed one fails the commit:
 * the kernel reports a write-back error once, and it was reported here, so a second fsync on a
 * fresh descriptor could succeed over lost bytes.
 */
import type { FileHandle } from 'node:fs/promises';

/**
 * Flushes remembered at most: an upload abandoned after its append keeps its entry until then.
 * Past it the entries are cleared but for failed flushes, whose error must still reach their
 * commit; forgetting any other costs its commit only an fsync of its own.
 */
const MAX_TRACKED = 10_000;

interface Flush {
  /** Settles with the flush's error (the first of an upload's flushes to fail), or undefined. */
  flushed: Promise<unknown>;
  /** No byte has been appended since it started. */
  covers: boolean;
  /** Set once `flushed` settles with an error. */
  failed?: boolean;
}

export class FlushAhead {
  private readonly flushes = new Map<string, Flush>();

  /**
   * Takes `handle` over: syncs it in the background (unless `sync` is false), waits for
   * `writingBack` (a datasync the append left under way), then closes it. Without `sync` the
   * entry covers nothing and only carries the datasync's error to the commit.
   */
  start(id: string, handle: FileHandle, options: { sync?: boolean; writingBack?: Promise<unknown> } = {}): void {
    if (this.flushes.size >= MAX_TRACKED) {
      for (const [key, flush] of this.flushes) if (flush.failed !== true) this.flushes.delete(key);
    }
    const sync = options.sync ?? true;
    const synced = sync
      ? handle.sync().then(
          () => undefined,
          (error: unknown) => error ?? new Error('fsync failed'),
        )
      : undefined;
    const own = Promise.all([options.writingBack, synced])
      .then(([written, flushed]) => written ?? flushed)
      .finally(() => handle.close().catch(() => undefined));
    // An earlier flush of the same upload may still fail: its error must reach the commit too.
    const earlier = this.flushes.get(id)?.flushed;
    const flushed = earlier === undefined ? own : Promise.all([earlier, own]).then(([first, second]) => first ?? second);
    const flush: Flush = { flushed, covers: sync };
    void flushed.then((error) => {
      if (error !== undefined) flush.failed = true;
    });
    this.flushes.set(id, flush);
  }

  /**
   * More bytes are about to be written: no earlier flush covers the upload any more. Its error,
   * if it fails, is kept for the commit: the kernel reports a write-back error once, and the
   * commit's own fsync on a fresh descriptor would not see it.
   */
  forget(id: string): void {
    const flush = this.flushes.get(id);
    if (flush !== undefined) flush.covers = false;
  }

  /** The upload is gone (aborted, committed, or replaced by another file): nothing to report. */
  drop(id: string): void {
    this.flushes.delete(id);
  }

  /**
   * True when a flush covering every byte appended has completed (waiting for one in flight);
   * false when the caller must fsync itself. Throws the error of any of the upload's flushes,
   * again on a retry (the entry stays); forgets the upload once its flushes have succeeded.
   */
  async settled(id: string): Promise<boolean> {
    const flush = this.flushes.get(id);
    if (flush === undefined) return false;
    const error = await flush.flushed;
    if (error !== undefined) throw error;
    if (this.flushes.get(id) !== flush) return false;
    this.flushes.delete(id);
    return flush.covers;
  }
}
