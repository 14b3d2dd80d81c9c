/**
 * Hashing of streamed bytes. Blobs are hashed while they stream to storage, so verification
 * costs no second read in the common case.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { OffThreadHash } from '../../ports/off-thread-hash.js';
import type { DigestAlgorithm } from '../reference/reference.js';

export function newHash(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

/**
 * The running hash of an upload: Node's native one, or one whose state can be saved for
 * another instance to continue (ports/resumable-hash.ts), behind one shape.
 */
export interface RunningHash {
  /** A promise asks the feeder to wait before the next chunk (a hashing thread is behind). */
  update(chunk: Uint8Array): void | Promise<void>;
  /** Lowercase hex digest; the hash is spent afterwards. */
  hex(): string | Promise<string>;
  /** The saved state, when the hash can be continued elsewhere. */
  save?(): string;
  /** Lets go of what the hash holds outside this thread; absent when it holds nothing there. */
  dispose?(): void;
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

export function offThreadRunningHash(hash: OffThreadHash): RunningHash {
  return { update: (chunk) => hash.update(chunk), hex: () => hash.digest(), dispose: () => hash.dispose() };
}

export function digestOf(algorithm: DigestAlgorithm, bytes: Buffer | string): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/**
 * A pass-through that counts bytes and feeds them to a hash. Given an algorithm (Node's hash)
 * or a factory rather than a hash, it creates the hash on the first byte: an upload session
 * that never receives one (a flood of POSTs) then holds no hash state at all. With `maxBytes`,
 * the byte past it fails the stream with `tooLarge()` before that chunk is passed on.
 *
 * A hash that asks to wait (a hashing thread behind) gets the chunk passed on at once, so the
 * file write proceeds, but the next chunk is only taken once the hash is ready for it.
 */
export class HashingStream extends Transform {
  bytes = 0;
  #hash: RunningHash | undefined;
  constructor(
    private readonly source: RunningHash | DigestAlgorithm | (() => RunningHash) | undefined,
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
    if (chunk.length > 0 && this.#hash === undefined) {
      if (typeof this.source === 'string') this.#hash = nodeHash(this.source);
      else if (typeof this.source === 'function') this.#hash = this.source();
    }
    let waiting: void | Promise<void>;
    try {
      waiting = this.#hash?.update(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    this.bytes += chunk.length;
    if (waiting === undefined) {
      callback(null, chunk);
      return;
    }
    this.push(chunk);
    waiting.then(() => callback(), callback);
  }
}

export async function hashStream(algorithm: DigestAlgorithm, stream: Readable): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return `${algorithm}:${hash.digest('hex')}`;
}
