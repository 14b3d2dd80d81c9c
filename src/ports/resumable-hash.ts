/**
 * A hash whose running state can be saved and continued in another process: an upload's
 * chunks may reach different instances, and the last one must produce the digest without
 * reading back the bytes the others received (core/registry/upload-service.ts).
 */
export interface ResumableHash {
  update(bytes: Uint8Array): void;
  /** The lowercase hex digest of everything fed so far; the hash is spent afterwards. */
  digest(): string;
  /** The state after everything fed so far, for `ResumableHashes.resume` (an opaque string). */
  save(): string;
}

export interface ResumableHashes {
  /** A new hash, or undefined for an algorithm whose state cannot be saved. */
  start(algorithm: string): Promise<ResumableHash | undefined>;
  /** A hash continuing from `state` (from `save`); undefined when the state is unusable. */
  resume(algorithm: string, state: string): Promise<ResumableHash | undefined>;
}
