/**
 * What fetch cannot say: raw bytes on a socket (malformed requests, bodies cut short) and
 * chunked transfer-encoding with no length. Every answer is still held to "never a 5xx".
 */
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import * as net from 'node:net';
import { assertNoServerError, type Reply } from './http-client.js';

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text: string;
  /** Everything the server sent, for diagnostics. */
  raw: string;
}

function address(base: string): { host: string; port: number } {
  const url = new URL(base);
  return { host: url.hostname, port: Number(url.port) };
}

/** Sends `data` as is and reads until the server closes (send `Connection: close`). */
export async function rawRequest(base: string, data: Buffer | string, timeoutMs = 5000): Promise<RawReply> {
  const { host, port } = address(base);
  const received = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, host, () => socket.write(data));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms; got: ${Buffer.concat(chunks).toString('latin1').slice(0, 300)}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
  const reply = parseResponse(received);
  assertNoServerError(reply.status, `raw ${String(data).split('\r\n')[0]?.slice(0, 80)}`, reply.raw);
  return reply;
}

function parseResponse(bytes: Buffer): RawReply {
  const raw = bytes.toString('latin1');
  const parsed = splitResponse(bytes);
  assert.ok(parsed, `no HTTP response head in: ${JSON.stringify(raw.slice(0, 200))}`);
  return { ...parsed, text: parsed.body.toString('utf8'), raw };
}

/** Status, headers (lower-cased names) and de-chunked body of one response, or undefined without a status line. */
export function splitResponse(bytes: Buffer): { status: number; headers: Record<string, string>; body: Buffer } | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  const match = end > 0 ? /^HTTP\/1\.[01] (\d{3})/.exec(bytes.subarray(0, end).toString('latin1')) : null;
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  for (const line of bytes.subarray(0, end).toString('latin1').split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = bytes.subarray(end + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') body = dechunk(body);
  return { status: Number(match[1]), headers, body };
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/**
 * Sends a request head declaring `declaredLength` body bytes, then only `partial`, then closes
 * the socket: a client that died mid-upload. Resolves once the socket is closed.
 */
export async function truncatedRequest(
  base: string,
  method: string,
  path: string,
  declaredLength: number,
  partial: Buffer,
  headers: Record<string, string> = {},
): Promise<void> {
  const { host, port } = address(base);
  const head =
    `${method} ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Length: ${declaredLength}\r\n` +
    Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n';
  await new Promise<void>((resolve) => {
    const socket = net.connect(port, host, () => {
      socket.write(head);
      socket.write(partial, () => {
        // Give the server time to start streaming the body into the upload before the cut.
        setTimeout(() => socket.destroy(), 100);
      });
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

/**
 * A request whose body goes out with `Transfer-Encoding: chunked` and no Content-Length, one
 * write per chunk with a pause between them, so the server really sees a stream of unknown size.
 */
export async function chunkedRequest(
  base: string,
  method: string,
  path: string,
  chunks: Buffer[],
  headers: Record<string, string> = {},
): Promise<Reply> {
  const url = new URL(path, base);
  const reply = await new Promise<Reply>((resolve, reject) => {
    const request = http.request(url, { method, headers }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (chunk: Buffer) => parts.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(parts);
        const responseHeaders = new Headers();
        for (const [key, value] of Object.entries(response.headers)) {
          if (typeof value === 'string') responseHeaders.set(key, value);
          else if (Array.isArray(value)) for (const v of value) responseHeaders.append(key, v);
        }
        resolve({ status: response.statusCode ?? 0, headers: responseHeaders, body, text: body.toString('utf8') });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    assert.equal(request.getHeader('content-length'), undefined, 'a chunked request must not declare a length');
    void (async () => {
      for (const chunk of chunks) {
        request.write(chunk);
        await new Promise((r) => setTimeout(r, 10));
      }
      request.end();
    })();
  });
  assertNoServerError(reply.status, `chunked ${method} ${url.pathname}`, reply.text);
  return reply;
}
