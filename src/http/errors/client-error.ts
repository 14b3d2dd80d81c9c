/**
 * Requests that never reach a route: bytes Node's HTTP parser rejects (unknown method,
 * broken framing, oversize headers) and URLs the router cannot decode. They still get the OCI
 * envelope, so a client's error message reads the same as for any other refusal.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

const statusFor: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = statusFor[error.code ?? ''] ?? 400;
  const body = JSON.stringify({
    errors: [{ code: 'UNSUPPORTED', message: `malformed HTTP request (${error.code ?? 'parse error'})`, detail: {} }],
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
