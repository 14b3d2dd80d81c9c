/**
 * A hash computed on another thread than the one reading the upload's socket. On one process
 * a 1 GiB push spends about as much of its thread's CPU in SHA-256 as in everything else
 * together; handing the bytes to a hashing thread lets the socket be read while the previous
 * bytes are hashed (core/registry/upload-service.ts decides which uploads are worth the hop).
 */
export interface OffThreadHash {
  /**
   * Takes a copy of `bytes` (the caller may reuse or hand on its buffer at once). Returns a
   * promise when the caller should wait before the next update: the hashing thread is behind
   * by as many bytes as one upload may have in flight.
   */
  update(bytes: Uint8Array): void | Promise<void>;
  /** The lowercase hex digest of everything fed; the hash is spent afterwards. Rejects if the thread died. */
  digest(): Promise<string>;
  /** Drops the state and any bytes not yet hashed; later calls are errors. Safe to repeat. */
  dispose(): void;
}

export interface OffThreadHashes {
  /** A new hash, or undefined when the algorithm is not one the thread knows. */
  start(algorithm: string): OffThreadHash | undefined;
  /** Hashes started and neither spent nor disposed (a leak shows here). */
  readonly live: number;
  /** Stops the thread; hashes still running reject. */
  close(): Promise<void>;
}
