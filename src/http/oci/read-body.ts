/** Reads a small request body (manifests) with a hard cap, so an oversize push costs no memory. */
import type { Readable } from 'node:stream';
import { ManifestTooLargeError, SizeInvalidError } from '../../core/errors.js';

export async function readBody(stream: Readable, limit: number, declaredLength: string | undefined): Promise<Buffer> {
  if (declaredLength !== undefined && Number(declaredLength) > limit) {
    stream.resume();
    throw tooLarge(Number(declaredLength), limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        stream.resume();
        throw tooLarge(size, limit);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof ManifestTooLargeError) throw error;
    throw new SizeInvalidError('request body ended before it was complete', undefined, { cause: error });
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(size: number, limit: number) {
  return new ManifestTooLargeError(`manifest is larger than the ${limit}-byte limit`, { size, limit });
}
