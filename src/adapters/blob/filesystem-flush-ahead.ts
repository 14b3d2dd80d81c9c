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
 * Flushes remembered at most: an upload abandoned after its append keeps its entry until then,
 * and forgetting one only costs its commit an fsync of its own.
 */
const MAX_TRACKED = 10_000;

export class FlushAhead {
  /** Per upload id: settles with the flush's error, or undefined once the bytes are durable. */
  private readonly flushes = new Map<string, Promise<unknown>>();

  /** Takes `handle` over: syncs it in the background, then closes it. */
  start(id: string, handle: FileHandle): void {
    if (this.flushes.size >= MAX_TRACKED) this.flushes.clear();
    const flushed = handle.sync().then(
      () => undefined,
      (error: unknown) => error ?? new Error('fsync failed'),
    );
    this.flushes.set(id, flushed.finally(() => handle.close().catch(() => undefined)));
  }

  /** More bytes are about to be written: no earlier flush covers the upload any more. */
  forget(id: string): void {
    this.flushes.delete(id);
  }

  /**
   * True when a flush covering every byte appended has completed (waiting for one in flight);
   * false when the caller must fsync itself. Throws the flush's error, again on a retry (the
   * entry stays); forgets the upload once it is durable.
   */
  async settled(id: string): Promise<boolean> {
    const flushed = this.flushes.get(id);
    if (flushed === undefined) return false;
    const error = await flushed;
    if (error !== undefined) throw error;
    if (this.flushes.get(id) === flushed) this.flushes.delete(id);
    return true;
  }
}
