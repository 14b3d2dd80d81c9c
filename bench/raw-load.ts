/**
 * A lean GET/HEAD load generator on raw keep-alive sockets. The client shares two cores with the
 * server, and node:http's per-request objects would cost the server CPU at tens of thousands of
 * requests a second. Requests are prebuilt byte strings written as-is; responses are parsed just
 * enough to find their end (Content-Length or chunked) and their status. No pipelining: one
 * request in flight per connection, like real clients.
 */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { LatencyRecorder, type LoadResult } from './load-result.js';

export interface RawLoadOptions {
  port: number;
  /** Complete HTTP/1.1 requests, sent round-robin. */
  requests: readonly Buffer[];
  /** Responses carry no body (HEAD), whatever their Content-Length says. */
  head: boolean;
  expectStatus: number;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
}

export function httpRequest(method: string, host: string, path: string, headers: Record<string, string> = {}): Buffer {
  let text = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: berth-bench\r\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  return Buffer.from(`${text}\r\n`, 'latin1');
}

const enum Phase {
  Head,
  Body,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailer,
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

export async function rawLoad(options: RawLoadOptions): Promise<LoadResult> {
  const recorder = new LatencyRecorder();
  let sent = 0;
  let ops = 0;
  let bytes = 0;
  let measuring = false;
  let stopping = false;
  let failure: Error | undefined;
  let start = performance.now();

  const sockets = new Set<net.Socket>();
  const fail = (error: Error): void => {
    failure ??= error;
    stopping = true;
  };

  const connection = (): Promise<void> =>
    new Promise<void>((done) => {
      let socket = open();
      let phase = Phase.Head;
      let pending: Buffer | undefined;
      let remaining = 0;
      let line = '';
      let status = 0;
      let closeAfter = false;
      let t0 = 0;
      let responseBytes = 0;
      let current = options.requests[0];

      function open(): net.Socket {
        const s = net.connect({ port: options.port, host: '127.0.0.1', noDelay: true });
        sockets.add(s);
        s.on('data', onData);
        s.once('error', (e) => fail(e));
        s.once('close', onClose);
        return s;
      }

      function abort(error: Error): void {
        fail(error);
        socket.off('close', onClose);
        socket.destroy();
        done();
      }

      function send(): void {
        if (stopping) {
          socket.off('close', onClose);
          socket.destroy();
          done();
          return;
        }
        phase = Phase.Head;
        responseBytes = 0;
        t0 = performance.now();
        current = options.requests[sent++ % options.requests.length];
        socket.write(current);
      }

      function onClose(): void {
        sockets.delete(socket);
        if (!stopping) fail(new Error('server closed a keep-alive connection mid-response'));
        done();
      }

      function complete(): void {
        const t1 = performance.now();
        if (status !== options.expectStatus) return abort(new Error(`${status} on ${describe(current)}`));
        if (measuring && t0 >= start) {
          recorder.add(t1 - t0);
          ops++;
          bytes += responseBytes;
        }
        if (closeAfter && !stopping) {
          socket.off('close', onClose);
          sockets.delete(socket);
          socket.destroy();
          socket = open();
        }
        send();
      }

      function onData(chunk: Buffer): void {
        let buf = chunk;
        let i = 0;
        while (i < buf.length) {
          switch (phase) {
            case Phase.Head: {
              if (pending) {
                buf = Buffer.concat([pending, buf.subarray(i)]);
                i = 0;
                pending = undefined;
              }
              const end = buf.indexOf(CRLFCRLF, i);
              if (end < 0) {
                pending = buf.subarray(i);
                return;
              }
              if (!parseHead(buf.toString('latin1', i, end))) return;
              i = end + 4;
              if (phase === Phase.Head) {
                complete();
                if (i < buf.length) return abort(new Error('unexpected bytes after a response'));
              }
              break;
            }
            case Phase.Body: {
              const take = Math.min(remaining, buf.length - i);
              remaining -= take;
              i += take;
              responseBytes += take;
              if (remaining === 0) complete();
              break;
            }
            case Phase.ChunkData:
            case Phase.ChunkEnd: {
              const take = Math.min(remaining, buf.length - i);
              remaining -= take;
              i += take;
              if (phase === Phase.ChunkData) responseBytes += take;
              if (remaining === 0) {
                if (phase === Phase.ChunkData) {
                  phase = Phase.ChunkEnd;
                  remaining = 2;
                } else phase = Phase.ChunkSize;
              }
              break;
            }
            case Phase.ChunkSize:
            case Phase.Trailer: {
              const nl = buf.indexOf(10, i);
              if (nl < 0) {
                line += buf.toString('latin1', i);
                return;
              }
              line += buf.toString('latin1', i, nl);
              i = nl + 1;
              const text = line.trim();
              line = '';
              if (phase === Phase.ChunkSize) {
                remaining = parseInt(text, 16);
                if (Number.isNaN(remaining)) return abort(new Error(`bad chunk size "${text}"`));
                phase = remaining === 0 ? Phase.Trailer : Phase.ChunkData;
              } else if (text === '') complete();
              break;
            }
          }
        }
      }

      /** False when the response cannot be framed and the connection was aborted. */
      function parseHead(head: string): boolean {
        status = Number(head.slice(9, 12));
        let length = -1;
        let chunked = false;
        closeAfter = false;
        for (const field of head.split('\r\n')) {
          const colon = field.indexOf(':');
          if (colon < 0) continue;
          const name = field.slice(0, colon).toLowerCase();
          const value = field.slice(colon + 1).trim().toLowerCase();
          if (name === 'content-length') length = Number(value);
          else if (name === 'transfer-encoding') chunked = value.includes('chunked');
          else if (name === 'connection') closeAfter = value === 'close';
        }
        const bodiless = options.head || status === 204 || status === 304 || status < 200;
        if (bodiless || (!chunked && length === 0)) phase = Phase.Head;
        else if (chunked) phase = Phase.ChunkSize;
        else if (length > 0) {
          phase = Phase.Body;
          remaining = length;
        } else {
          abort(new Error(`${status} response without length on ${describe(current)}`));
          return false;
        }
        return true;
      }

      send();
    });

  const running = Promise.all(Array.from({ length: options.concurrency }, connection));
  await sleep(options.warmupMs);
  measuring = true;
  start = performance.now();
  ops = 0;
  bytes = 0;
  recorder.reset();
  await Promise.race([sleep(options.durationMs), running]);
  const elapsedMs = performance.now() - start;
  stopping = true;
  // A stalled server must not hang the harness: give in-flight requests a moment, then cut them.
  await Promise.race([running, sleep(10_000)]);
  for (const s of sockets) s.destroy();
  await running;
  if (failure) throw failure;
  if (ops === 0) throw new Error(`no response within ${options.durationMs} ms to ${describe(options.requests[0])}`);
  return { ops, elapsedMs, latencies: recorder.sorted(), bytes };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** "GET /v2/…" for error messages. */
function describe(request: Buffer): string {
  const text = request.toString('latin1', 0, Math.min(request.length, 200));
  return text.slice(0, text.indexOf(' HTTP/1.1'));
}
