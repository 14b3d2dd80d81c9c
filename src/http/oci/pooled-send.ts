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
/**
 * 1 MiB buffers out at once over all responses. Past it a response reads in small buffers
 * instead of waiting: waiting would let a few stalled clients, whose writes never call back,
 * hold every other pull until their idle timeout. Without the cap, 32 concurrent 1 MiB pulls
 * held 40–80 MB of buffers and set the process's peak memory (bench row 4, issue 14).
 */
export const POOLED_BUFFERS_OUT_MAX = 12;
/** The overflow buffer: a 64 KiB read and write, as a stream would, allocated per chunk. */
const SMALL_BUFFER_BYTES = 64 * 1024;

const idle: Buffer[] = [];
let allocated = 0;
let out = 0;
let outPeak = 0;

function take(): Buffer {
  if (out >= POOLED_BUFFERS_OUT_MAX) return Buffer.allocUnsafeSlow(SMALL_BUFFER_BYTES);
  out += 1;
  if (out > outPeak) outPeak = out;
  const reused = idle.pop();
  if (reused !== undefined) return reused;
  allocated += 1;
  return Buffer.allocUnsafeSlow(BUFFER_BYTES);
}

/** The most 1 MiB buffers out at once since start, for tests of the cap. */
export function pooledBuffersOutPeak(): number {
  return outPeak;
}

/** 1 MiB buffers out now, for tests that slots come back. */
export function pooledBuffersOut(): number {
  return out;
}

/** Buffers allocated since start, for tests of back-pressure (a stalled client must not make the server read ahead). */
export function pooledBuffersAllocated(): number {
  return allocated;
}

/**
 * One response's share of the cap. A buffer counts against the cap from take() until its write
 * calls back or the response closes, whichever is first: a write on a torn-down connection may
 * never call back, and its buffer must not hold a slot for ever (nor be reused: the socket may
 * still point at it, so it is left to the garbage collector).
 */
function lease(): { take(): Buffer; give(buffer: Buffer, reuse?: boolean): void; closed(): void } {
  const held = new Set<Buffer>();
  return {
    take() {
      const buffer = take();
      if (buffer.length === BUFFER_BYTES) held.add(buffer);
      return buffer;
    },
    give(buffer, reuse = true) {
      if (!held.delete(buffer)) return;
      out -= 1;
      if (reuse && idle.length < POOL_IDLE_MAX) idle.push(buffer);
    },
    closed() {
      out -= held.size;
      held.clear();
    },
  };
}

/** Pooled sends only over HTTP/1.x, whose write callback means the bytes have left the buffer. */
export function canSendPooled(reply: FastifyReply): boolean {
  return reply.request.raw.httpVersionMajor === 1;
}

/**
 * For a hijacked reply: writes the status and the headers set through Fastify as they are, and
 * marks the response as streaming for the connection limits.
 */
export function writeHijackedHead(reply: FastifyReply, status: number): void {
  reply.raw.writeHead(status, reply.getHeaders() as Record<string, string | number | string[]>);
  reply.raw.emit(STREAMING_RESPONSE);
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
    writeHijackedHead(reply, status);
    let inFlight = 0;
    const buffers = lease();
    const give = buffers.give;
    res.once('close', buffers.closed);
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
        const buffer = buffers.take();
        let count: number;
        try {
          count = await reader.read(buffer, Math.min(buffer.length, last - position), position);
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
        res.write(count === buffer.length ? buffer : buffer.subarray(0, count), (error) => {
          inFlight -= 1;
          // On an error the socket is being torn down: whether it still points at these bytes
          // is not ours to know, so the buffer is not reused.
          give(buffer, !error);
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
