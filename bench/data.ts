/**
 * Deterministic blob contents. Large blobs are one 1 MiB block repeated: the same Buffer can be
 * written again and again without copying, and hashing the same sequence of parts gives the
 * digest up front without ever holding the blob in memory. The block comes from a fixed seed, so
 * digests are the same in every run and on every machine.
 */
import { createHash, type Hash } from 'node:crypto';
import type { BodyParts } from './http-client.js';
import { MiB } from './load-result.js';

export const BLOCK: Buffer = makeBlock(MiB);

function makeBlock(size: number): Buffer {
  const block = Buffer.allocUnsafe(size);
  for (let offset = 0, i = 0; offset < size; offset += 32, i++) {
    createHash('sha256').update(`berth-bench-${i}`).digest().copy(block, offset);
  }
  return block;
}

export interface Blob {
  digest: string;
  body: BodyParts;
}

/** Bytes [offset, offset+length) of BLOCK repeated forever, as parts (views, never copies). */
export function* patternParts(length: number, offset = 0): Generator<Buffer> {
  let left = length;
  let at = offset % BLOCK.length;
  while (left > 0) {
    const size = Math.min(left, BLOCK.length - at);
    yield size === BLOCK.length ? BLOCK : BLOCK.subarray(at, at + size);
    left -= size;
    at = 0;
  }
}

export function patternRange(offset: number, length: number): BodyParts {
  return { parts: { [Symbol.iterator]: () => patternParts(length, offset) }, length };
}

const patternDigests = new Map<number, string>();

/** A pattern blob of `total` bytes; its parts are regenerated on each iteration. */
export function patternBlob(total: number): Blob {
  let digest = patternDigests.get(total);
  if (digest === undefined) {
    const hash = createHash('sha256');
    for (const part of patternParts(total)) hash.update(part);
    digest = `sha256:${hash.digest('hex')}`;
    patternDigests.set(total, digest);
  }
  return { digest, body: { parts: { [Symbol.iterator]: () => patternParts(total) }, length: total } };
}

/**
 * Distinct blobs of one size that differ only in a 16-byte suffix. The shared prefix is hashed
 * once and the hash state copied per blob, so a thousand distinct 1 MiB digests cost nothing.
 */
export class BlobFamily {
  private readonly prefix: Buffer;
  private readonly prefixHash: Hash;

  constructor(
    private readonly salt: string,
    size: number = MiB,
  ) {
    if (size < 16 || size > BLOCK.length) throw new Error(`BlobFamily size ${size} out of range`);
    this.prefix = BLOCK.subarray(0, size - 16);
    this.prefixHash = createHash('sha256').update(this.prefix);
  }

  blob(index: number): Blob {
    const suffix = Buffer.alloc(16);
    suffix.write(this.salt.slice(0, 8).padEnd(8, '.'), 0, 'latin1');
    suffix.writeBigUInt64BE(BigInt(index), 8);
    const digest = `sha256:${this.prefixHash.copy().update(suffix).digest('hex')}`;
    return { digest, body: { parts: [this.prefix, suffix], length: this.prefix.length + 16 } };
  }
}

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
