/**
 * Sends a blob (or a byte range of it) from a local file with sendfile(2) on a thread of the
 * native addon (native/sendfile): the kernel copies page cache to the socket, with no read into
 * user space, no Buffer, and no JS work per chunk. A 1 GiB pull costs the process a few
 * hundred syscalls and a fraction of the CPU of the pooled path (pooled-send.ts), which stays
 * the path for everything this one does not take (see canSendFile).
 *
 * Framing stays Node's: the status line and headers are written through the response and must
 * be in the kernel before the thread writes a byte; then the thread writes the body on a dup of
 * the socket's descriptor, and `res.end()` (which writes nothing, the length being declared)
 * finishes the response, so 'finish' runs the onResponse hooks (request log, audit,
 * notifications) and the connection serves its next request.
 *
 * To a peer on this host (same-host-peer.ts) a body of COPY_MIN_BYTES or more is sent in the
 * addon's copy mode instead: there sendfile's page-cache fragments reach the receiving process
 * as they are and cost it more than the copy costs this one (the addon's source says how much).
 * BERTH_SENDFILE=sendfile keeps sendfile(2) for every peer.
 *
 * Node's idle timer cannot see bytes it did not write, so the thread applies the same idle
 * timeout (connection-limits.ts) and the warning is the same. A client that goes away ends the
 * send (an EPIPE in the thread, or the response's 'close' cancelling it); the reader is closed
 * on every path, after the thread has let go of its own descriptors.
 */
import type { Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { RESPONSE_IDLE_MESSAGE, responseIdleTimeoutMs } from '../connection-limits.js';
import { isSameHostPeer } from '../same-host-peer.js';
import type { BlobReader } from '../../ports/blob-store.js';
import { nativeSendfile, type NativeSendfile, type SendOutcome } from './native-sendfile.js';

/**
 * Sends running at once per process; more pulls take the pooled path. Each holds a thread
 * (256 KiB of stack, a few KiB of it touched) and two descriptors; a slow client holds them for
 * as long as it reads. 32, the concurrency clients pull layers at in the bench, rather than 8:
 * a native send holds no buffer, a pooled one up to 2 MiB, so the overflow set the process's
 * peak memory (bench row 4).
 */
export const NATIVE_SENDS_MAX = 32;

/**
 * Below this a thread start and a cross-thread callback cost about what the pooled path's one
 * pread and one write do: server CPU per GET was level at 16–64 KiB and a quarter lower from
 * 256 KiB up (bench/README.md, issue 14). Small blobs (configs) also leave the slots to layers.
 */
export const SENDFILE_MIN_BYTES = 256 * 1024;

/**
 * A copy-mode send holds a 512 KiB buffer for as long as it runs, so NATIVE_SENDS_MAX of them
 * (slow readers included, until the idle timeout) hold 16 MiB at most. Below this size a
 * same-host pull costs its reader little either way, and the bench's 1 MiB pulls at c32 (row
 * 4) would hold those 16 MiB all the time.
 */
export const COPY_MIN_BYTES = 4 * 1024 * 1024;

let running = 0;
const started = { sendfile: 0, copy: 0 };

/** Native sends in progress (their threads may still be finishing), for tests. */
export function nativeSendsRunning(): number {
  return running;
}

/** Native sends started so far in this process, by mode (`/metrics`, tests). */
export function nativeSendsStarted(): Readonly<typeof started> {
  return { ...started };
}

function copyModeFor(socket: Socket, length: number): boolean {
  return length >= COPY_MIN_BYTES && process.env.BERTH_SENDFILE !== 'sendfile' && isSameHostPeer(socket);
}

function socketFd(socket: Socket | null): number {
  // Node keeps the descriptor on the stream handle (TCP or pipe); TLS sockets are excluded by
  // the caller, and a socket without a handle (destroyed) reports none.
  const fd = (socket as unknown as { _handle?: { fd?: number } } | null)?._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

/**
 * The addon when this response can take the native path: plain HTTP/1.x (TLS encrypts in user
 * space; HTTP/2 frames the body), a reader backed by a file, a body worth the thread, and a
 * free slot.
 */
export function canSendFile(reply: FastifyReply, reader: BlobReader, bytes: number): NativeSendfile | undefined {
  if (reader.fd === undefined || bytes < SENDFILE_MIN_BYTES || running >= NATIVE_SENDS_MAX) return undefined;
  const raw = reply.request.raw;
  const socket = raw.socket as Socket & { encrypted?: boolean };
  if (raw.httpVersionMajor !== 1 || socket.encrypted === true || socketFd(socket) < 0) return undefined;
  return nativeSendfile();
}

/**
 * The socket of a pipelined response, once the responses before it on its connection have
 * finished (until then Node holds its headers back); null if the connection closes first.
 */
function assigned(res: ServerResponse): Promise<Socket | null> {
  return new Promise((resolve) => {
    const onClose = (): void => resolve(null);
    res.once('close', onClose);
    res.once('socket', (socket: Socket) => {
      res.off('close', onClose);
      // Node writes the held-back headers right after this event, in the same call.
      queueMicrotask(() => resolve(socket));
    });
  });
}

/** Resolves once everything written to the socket so far has reached the kernel. */
function flushed(socket: Socket): Promise<boolean> {
  if (socket.writableLength === 0 && socket.writableCorked === 0) return Promise.resolve(true);
  // Write callbacks run in order: this one fires after the headers have left Node's buffer.
  return new Promise((resolve) => socket.write(Buffer.alloc(0), (error) => resolve(!error)));
}

/**
 * Writes status, the reply's headers and bytes [start, end] (inclusive) of the reader's file.
 * Resolves when the response is complete or abandoned; never rejects (as sendPooled).
 */
export async function sendFile(addon: NativeSendfile, reply: FastifyReply, status: number, reader: BlobReader, start: number, end: number): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  running += 1;
  try {
    res.writeHead(status, reply.getHeaders() as Record<string, string | number | string[]>);
    res.flushHeaders();
    const socket = res.socket ?? (await assigned(res));
    if (socket === null || !(await flushed(socket)) || res.destroyed) {
      destroy(res);
      return;
    }
    const length = end - start + 1;
    const idleMs = responseIdleTimeoutMs(res) ?? 0;
    const { outcome, sent, error } = await new Promise<{ outcome: SendOutcome; sent: number; error: string | null }>((resolve) => {
      const copy = copyModeFor(socket, length);
      const handle = addon.send(reader.fd as number, socketFd(socket), start, length, idleMs, copy, (outcome, sent, error) => {
        res.off('close', cancel);
        resolve({ outcome, sent, error });
      });
      started[copy ? 'copy' : 'sendfile'] += 1;
      const cancel = (): void => addon.cancel(handle);
      res.on('close', cancel);
    });
    if (outcome === 'done') {
      if (!res.destroyed) res.end();
      return;
    }
    if (outcome === 'idle') reply.log.warn({ idleSeconds: idleMs / 1000, url: reply.request.url.split('?')[0] }, RESPONSE_IDLE_MESSAGE);
    else if (outcome === 'short') reply.log.warn({ position: start + sent }, 'blob ended before its length mid-response; connection closed');
    // 'error' is nearly always the client going away (EPIPE, ECONNRESET), as is 'cancelled'.
    else if (outcome === 'error') reply.log.debug({ error, sent }, 'sendfile ended early; connection closed');
    destroy(res);
  } catch (error) {
    // The thread could not start (or the descriptors could not be duplicated): headers are out,
    // so the honest answer is a cut connection, as for a failed read on the pooled path.
    reply.log.warn({ err: error }, 'sendfile could not start; connection closed');
    destroy(res);
  } finally {
    running -= 1;
    await reader.close().catch((error: unknown) => reply.log.warn({ err: error }, 'closing a blob reader failed'));
  }
}

function destroy(res: ServerResponse): void {
  if (!res.destroyed) res.destroy();
}
