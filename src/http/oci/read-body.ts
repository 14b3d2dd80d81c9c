/**
 * Reads a small request body (a manifest, the /token form, an /api/v1 JSON object) with a hard
 * cap, so an oversize request costs no memory. `what` names the body in the refusal, so the
 * client learns which limit it hit.
 */
import type { Readable } from 'node:stream';
import { ManifestTooLargeError, SizeInvalidError } from '../../core/errors.js';

export async function readBody(stream: Readable, limit: number, declaredLength: string | undefined, what: string): Promise<Buffer> {
  if (declaredLength !== undefined && Number(declaredLength) > limit) {
    stream.resume();
    throw tooLarge(what, Number(declaredLength), limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        stream.resume();
        throw tooLarge(what, size, limit);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof ManifestTooLargeError) throw error;
    throw new SizeInvalidError(`the ${what} ended before it was complete`, undefined, { cause: error });
  }
  return Buffer.concat(chunks, size);
}

// The kind stays `manifest-too-large` (413 SIZE_INVALID on the wire, as the spec has it for
// manifests); the message is what tells a form or JSON body apart from a manifest.
function tooLarge(what: string, size: number, limit: number) {
  return new ManifestTooLargeError(`the ${what} is larger than the ${limit}-byte limit; send a smaller one`, { size, limit });
}
