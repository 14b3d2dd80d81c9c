/**
 * Reads a small request body (a manifest, the /token form, an /api/v1 JSON object) with a hard
 * cap, so an oversize request costs no memory. `what` names the body in the refusal, so the
 * client learns which limit it hit.
 */
import type { Readable } from 'node:stream';
import { ManifestTooLargeError, SizeInvalidError } from '../../core/errors.js';

/**
 * An oversize body up to this many bytes is read to its end and discarded before the refusal.
 * Answering first means closing a connection the client is still writing to, and a reverse
 * proxy in front (nginx) then reports the reset as 502 instead of passing the 413 on. Beyond
 * it, reading only to discard costs more than a reconnect, and the connection is closed.
 */
export const OVERSIZE_DRAIN_BYTES = 16 * 1024 * 1024;

export async function readBody(stream: Readable, limit: number, declaredLength: string | undefined, what: string): Promise<Buffer> {
  if (declaredLength !== undefined && Number(declaredLength) > limit) {
    const declared = Number(declaredLength);
    if (declared <= OVERSIZE_DRAIN_BYTES) await discard(stream, 0);
    else stream.resume();
    throw tooLarge(what, declared, limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    // Leaving a plain `for await` early would destroy the request, and the connection with it.
    for await (const chunk of stream.iterator({ destroyOnReturn: false })) {
      size += (chunk as Buffer).length;
      if (size > limit) break;
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    throw new SizeInvalidError(`the ${what} ended before it was complete`, undefined, { cause: error });
  }
  if (size > limit) {
    await discard(stream, size);
    throw tooLarge(what, size, limit);
  }
  return Buffer.concat(chunks, size);
}

/** Reads the rest of an oversize body without keeping it, up to OVERSIZE_DRAIN_BYTES in all. */
async function discard(stream: Readable, alreadyRead: number): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return;
  let seen = alreadyRead;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off('data', onData);
      stream.off('end', done);
      stream.off('error', done);
      stream.off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > OVERSIZE_DRAIN_BYTES) done();
    };
    stream.on('data', onData);
    stream.once('end', done);
    stream.once('error', done);
    stream.once('close', done);
    stream.resume();
  });
  // Past the cap the rest still flows to nowhere until the connection closes after the answer.
  stream.resume();
}

// The kind stays `manifest-too-large` (413 SIZE_INVALID on the wire, as the spec has it for
// manifests); the message is what tells a form or JSON body apart from a manifest.
function tooLarge(what: string, size: number, limit: number) {
  return new ManifestTooLargeError(`the ${what} is larger than the ${limit}-byte limit; send a smaller one`, { size, limit });
}
