/**
 * Hashing of streamed bytes. Blobs are hashed while they stream to storage, so verification
 * costs no second read in the common case.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { DigestAlgorithm } from '../reference/reference.js';

export function newHash(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

/**
 * The running hash of an upload: Node's native one, or one whose state can be saved for
 * another instance to continue (ports/resumable-hash.ts), behind one shape.
 */
export interface RunningHash {
  update(chunk: Uint8Array): void;
  /** Lowercase hex digest; the hash is spent afterwards. */
  hex(): string;
  /** The saved state, when the hash can be continued elsewhere. */
  save?(): string;
}

export function nodeHash(algorithm: DigestAlgorithm): RunningHash {
  const hash = createHash(algorithm);
  return {
    update: (chunk) => {
      hash.update(chunk);
    },
    hex: () => hash.digest('hex'),
  };
}

export function digestOf(algorithm: DigestAlgorithm, bytes: Buffer | string): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/**
 * A pass-through that counts bytes and feeds them to a hash. Given an algorithm rather than a
 * hash, it creates (Node's) hash on the first byte: an upload session that never receives one
 * (a flood of POSTs) then holds no hash state at all. With `maxBytes`, the byte past it fails the
 * stream with `tooLarge()` before that chunk is passed on.
 */
export class HashingStream extends Transform {
  bytes = 0;
  #hash: RunningHash | undefined;
  constructor(
    private readonly source: RunningHash | DigestAlgorithm | undefined,
    private readonly limit?: { maxBytes: number; tooLarge: () => Error },
  ) {
    super();
    if (typeof source === 'object') this.#hash = source;
  }

  /** The hash fed so far; undefined while no byte has arrived (or when not hashing). */
  get hash(): RunningHash | undefined {
    return this.#hash;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.limit !== undefined && this.bytes + chunk.length > this.limit.maxBytes) {
      callback(this.limit.tooLarge());
      return;
    }
    if (chunk.length > 0 && typeof this.source === 'string') this.#hash ??= nodeHash(this.source);
    this.#hash?.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

export async function hashStream(algorithm: DigestAlgorithm, stream: Readable): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return `${algorithm}:${hash.digest('hex')}`;
}
