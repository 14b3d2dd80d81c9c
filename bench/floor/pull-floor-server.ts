/**
 * The least a server can do to hand curl a big body (bench/floor/pull-floor.ts starts it): one
 * GET answered with a fixed length, then the bytes, by FLOOR_MODE:
 *   memory   the same 1 MiB buffer written again and again: no file, no read, no hash;
 *   read     the file read 1 MiB at a time and each chunk written, as a plain JS server does;
 *   sendfile the file sent by Berth's own sendfile addon, on its thread;
 *   copy     the same addon in its copy mode (read into a buffer, written from it), as Berth
 *            sends a big blob to a peer on its own host.
 * Whatever curl reads from `memory` is its ceiling on this machine's loopback, whoever serves.
 * A measuring stick, not a registry: no routes, no limits, loopback only.
 *
 *   node dist/bench/floor/pull-floor-server.js FILE PORT
 */
import { open } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { loadNativeSendfile, type NativeSendfile } from '../../src/http/oci/native-sendfile.js';

const [file, port] = [process.argv[2], Number(process.argv[3])];
if (file === undefined || !Number.isInteger(port)) throw new Error('usage: pull-floor-server FILE PORT');
const mode = process.env.FLOOR_MODE ?? 'memory';
const CHUNK = 1024 * 1024;
const handle = await open(file, 'r');
const size = (await handle.stat()).size;
const chunk = Buffer.alloc(CHUNK, 0x5a);
// FLOOR_ADDON: another build of the addon (a different call size, say), to compare.
const addonPath = process.env.FLOOR_ADDON ?? new URL('../../../native/sendfile/build/Release/berth_sendfile.node', import.meta.url).pathname;
const addon = mode === 'sendfile' || mode === 'copy' ? loadNativeSendfile(addonPath) : null;
if ((mode === 'sendfile' || mode === 'copy') && addon === null) throw new Error(`${addonPath} did not load, or is not a build of this checkout's native/sendfile`);

/** Resolves when the socket wants more, false if it closed first. */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => (): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

async function writeAll(res: ServerResponse, next: (offset: number) => Promise<Buffer>): Promise<void> {
  for (let offset = 0; offset < size; ) {
    const piece = await next(offset);
    if (piece.length === 0) return void res.destroy();
    offset += piece.length;
    if (!res.write(piece) && !(await drained(res))) return;
  }
  res.end();
}

function sendfile(res: ServerResponse, addon: NativeSendfile, copy: boolean): void {
  res.flushHeaders();
  const socket = res.socket as Socket & { _handle?: { fd?: number } };
  // Headers reach the kernel before the thread writes the body after them.
  const fd = socket._handle?.fd;
  if (fd === undefined || fd < 0) return void res.destroy();
  socket.write(Buffer.alloc(0), () => {
    addon.send(handle.fd, fd, 0, size, 0, copy, (outcome) => {
      if (outcome === 'done') res.end();
      else res.destroy();
    });
  });
}

const server = createServer((req, res) => {
  if (req.method !== 'GET') {
    res.writeHead(405).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
  if (addon !== null) return sendfile(res, addon, mode === 'copy');
  const read = async (offset: number): Promise<Buffer> => {
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, size - offset));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead);
  };
  const fromMemory = async (offset: number): Promise<Buffer> => chunk.subarray(0, Math.min(CHUNK, size - offset));
  void writeAll(res, mode === 'read' ? read : fromMemory).catch(() => res.destroy());
});
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
