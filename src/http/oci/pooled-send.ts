/**
 * Sends a blob (or a byte range of it) from a BlobReader with a few reusable 1 MiB buffers per
 * process, instead of a stream that allocates a fresh buffer per chunk (1,024 per GiB pulled,
 * each a malloc, fresh pages to fault in, and external memory that drives V8's GC).
 *
 * A buffer goes back to the pool only in the callback of the response write that carried it:
 * for HTTP/1.x (plain or TLS) that callback fires once the socket (or TLS, which encrypts
 * into its own buffers) is done with the bytes, never before. HTTP/2 streams are not sent
 * this way (see canSendPooled). A write that never calls back (a connection torn down mid-way)
 * just leaves its buffer to the garbage collector; nothing is reused early.
 *
 * The reply is hijacked (headers already set through Fastify are written as they are); the
 * request's onResponse hooks (request log, audit) still run on the response's 'finish'. A client
 * that goes away stops the reads, and the reader (its file descriptor) is closed on every path.
 */
import { STREAMING_RESPONSE } from '../connection-limits.js';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { BlobReader } from '../../ports/blob-store.js';

const BUFFER_BYTES = 1024 * 1024;
/** Idle buffers kept for the next response: enough for a few concurrent pulls, 4 MiB resident at most. */
const POOL_IDLE_MAX = 4;
/** Chunks in flight per response: one being written while the next is read. */
const IN_FLIGHT_MAX = 2;

const idle: Buffer[] = [];
let allocated = 0;

function take(): Buffer {
  const reused = idle.pop();
  if (reused !== undefined) return reused;
  allocated += 1;
  return Buffer.allocUnsafeSlow(BUFFER_BYTES);
}

/** Buffers allocated since start, for tests of back-pressure (a stalled client must not make the server read ahead). */
export function pooledBuffersAllocated(): number {
  return allocated;
}

function give(buffer: Buffer): void {
  if (idle.length < POOL_IDLE_MAX) idle.push(buffer);
}

/** Pooled sends only over HTTP/1.x, whose write callback means the bytes have left the buffer. */
export function canSendPooled(reply: FastifyReply): boolean {
  return reply.request.raw.httpVersionMajor === 1;
}

/**
 * Writes status, the reply's headers and bytes [start, end] (inclusive) of the reader's blob.
 * Resolves when the response is complete or abandoned; never rejects (once headers are out
 * the only honest report of a failed read is a cut connection, and it is logged).
 */
export async function sendPooled(reply: FastifyReply, status: number, reader: BlobReader, start: number, end: number): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  let position = start;
  const last = end + 1;
  try {
    res.writeHead(status, reply.getHeaders() as Record<string, string | number | string[]>);
    res.emit(STREAMING_RESPONSE);
    let inFlight = 0;
    let wake: (() => void) | undefined;
    const settled = (): void => {
      const resume = wake;
      wake = undefined;
      resume?.();
    };
    res.on('close', settled);
    res.on('drain', settled);
    try {
      while (position < last && !res.destroyed) {
        const buffer = take();
        let count: number;
        try {
          count = await reader.read(buffer, Math.min(BUFFER_BYTES, last - position), position);
        } catch (error) {
          give(buffer);
          throw error;
        }
        if (count === 0) {
          give(buffer);
          throw new Error(`blob ended at byte ${position} of ${last}`);
        }
        if (res.destroyed) {
          give(buffer);
          break;
        }
        position += count;
        inFlight += 1;
        res.write(count === BUFFER_BYTES ? buffer : buffer.subarray(0, count), (error) => {
          inFlight -= 1;
          // On an error the socket is being torn down: whether it still points at these bytes
          // is not ours to know, so the buffer is not reused.
          if (!error) give(buffer);
          settled();
        });
        // Back-pressure: wait for the socket to drain, and keep at most IN_FLIGHT_MAX chunks out.
        while (!res.destroyed && (res.writableNeedDrain || inFlight >= IN_FLIGHT_MAX)) {
          await new Promise<void>((resume) => (wake = resume));
        }
      }
    } finally {
      res.off('close', settled);
      res.off('drain', settled);
    }
    if (!res.destroyed) res.end();
  } catch (error) {
    reply.log.warn({ err: error, position }, 'blob read failed mid-response; connection closed');
    destroy(res);
  } finally {
    await reader.close().catch((error: unknown) => reply.log.warn({ err: error }, 'closing a blob reader failed'));
  }
}

function destroy(res: ServerResponse): void {
  if (!res.destroyed) res.destroy();
}
