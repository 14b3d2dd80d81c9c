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
  const message =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? 'the request headers did not arrive within the header timeout (http.headertimeout); send them at once'
      : `malformed HTTP request (${error.code ?? 'parse error'})`;
  const body = JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message, detail: {} }] });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
  // A client that keeps sending (a header trickle) would otherwise hold the half-closed socket.
  setTimeout(() => socket.destroy(), 1000).unref();
}
