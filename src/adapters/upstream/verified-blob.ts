/**
 * A blob body that checks itself: hashed and counted while the caller reads it, and failing
 * after the last chunk when the bytes are not what was asked for. Transport failures mid-stream
 * become UpstreamErrors (an abort stays the caller's own reason).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { UpstreamError } from '../../ports/upstream-registry.js';
import { TransportError } from './http-transport.js';
import * as messages from './upstream-messages.js';

export async function* verifiedBlob(
  body: IncomingMessage,
  digest: string,
  announced: number | undefined,
  who: messages.Who,
  what: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  const [algorithm, expected] = digest.split(':') as [string, string];
  const hash = createHash(algorithm);
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof UpstreamError) throw error;
    if (error instanceof TransportError) throw messages.fromTransport(who, error, what);
    throw new UpstreamError('unavailable', who.upstream, `${who.upstream} broke off ${what} for ${who.label} after ${size} bytes: try again`, {
      cause: error,
    });
  } finally {
    // A caller that stops early (break, throw) must not leave the connection half-read.
    if (!body.complete) body.destroy();
  }
  if (announced !== undefined && size !== announced) {
    throw messages.protocol(who, `sent ${size} bytes of ${what} after announcing ${announced}`);
  }
  const actual = hash.digest('hex');
  if (actual !== expected) throw messages.protocol(who, `sent bytes for ${what} that hash to ${algorithm}:${actual}`);
}
