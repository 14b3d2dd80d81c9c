/**
 * A thin fetch wrapper for the API tests. Every response is read whole and checked against the
 * one rule that holds for every request these tests send: the server never answers 5xx. The
 * helpers below then assert the OCI error envelope so each test states only its own intent.
 */
import { strict as assert } from 'node:assert';

export interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
  text: string;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Buffer | string | ReadableStream<Uint8Array>;
}

export interface Client {
  base: string;
  /** `path` is absolute (`/v2/…`) or a full URL (a Location header may be either). */
  request(method: string, path: string, options?: RequestOptions): Promise<Reply>;
  get(path: string, options?: RequestOptions): Promise<Reply>;
  head(path: string, options?: RequestOptions): Promise<Reply>;
  put(path: string, options?: RequestOptions): Promise<Reply>;
  post(path: string, options?: RequestOptions): Promise<Reply>;
  patch(path: string, options?: RequestOptions): Promise<Reply>;
  delete(path: string, options?: RequestOptions): Promise<Reply>;
}

export function assertNoServerError(status: number, what: string, body: string): void {
  assert.ok(status < 500, `${what} answered ${status}; no request may produce a 5xx: ${body.slice(0, 500)}`);
}

/**
 * `unavailableExpected`: a 503 is a possible answer (fault tests that stop a dependency judge it
 * themselves); every other 5xx still fails the request.
 */
export function client(base: string, options: { unavailableExpected?: boolean } = {}): Client {
  const request = async (method: string, path: string, requestOptions: RequestOptions = {}): Promise<Reply> => {
    const url = new URL(path, base);
    const init: RequestInit & { duplex?: 'half' } = { method, headers: requestOptions.headers };
    if (requestOptions.body !== undefined) {
      const { body } = requestOptions;
      // A copy typed over a plain ArrayBuffer, which is what BodyInit accepts.
      init.body = Buffer.isBuffer(body) ? new Uint8Array(body) : body;
      // A stream body goes out with chunked framing, which fetch only allows half-duplex.
      if (body instanceof ReadableStream) init.duplex = 'half';
    }
    const response = await fetch(url, init);
    const body = Buffer.from(await response.arrayBuffer());
    const reply: Reply = { status: response.status, headers: response.headers, body, text: body.toString('utf8') };
    if (!(options.unavailableExpected && reply.status === 503)) assertNoServerError(reply.status, `${method} ${url.pathname}${url.search}`, reply.text);
    return reply;
  };
  return {
    base,
    request,
    get: (path, options) => request('GET', path, options),
    head: (path, options) => request('HEAD', path, options),
    put: (path, options) => request('PUT', path, options),
    post: (path, options) => request('POST', path, options),
    patch: (path, options) => request('PATCH', path, options),
    delete: (path, options) => request('DELETE', path, options),
  };
}

export interface WireError {
  code: string;
  message: string;
  detail: unknown;
}

/** Checks an error body is exactly the OCI envelope with one error of `code`; returns it. */
export function assertEnvelope(text: string, code: string, context = ''): WireError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    assert.fail(`${context} error body is not JSON: ${text.slice(0, 300)}`);
  }
  assert.ok(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed), `${context} envelope must be an object`);
  const envelope = parsed as Record<string, unknown>;
  assert.deepEqual(Object.keys(envelope), ['errors'], `${context} envelope has only "errors": ${text}`);
  const errors = envelope.errors;
  assert.ok(Array.isArray(errors) && errors.length >= 1, `${context} errors must be a non-empty array: ${text}`);
  const first = errors[0] as Record<string, unknown>;
  assert.deepEqual(Object.keys(first).sort(), ['code', 'detail', 'message'], `${context} error entry fields: ${text}`);
  assert.equal(first.code, code, `${context} error code: ${text}`);
  assert.ok(typeof first.message === 'string' && first.message.length > 0, `${context} message must be a non-empty string`);
  return first as unknown as WireError;
}

/** Asserts status, JSON content type and envelope with `code`; returns the error. */
export function expectError(reply: Reply, status: number, code: string): WireError {
  const context = `[${status} ${code}]`;
  assert.equal(reply.status, status, `${context} status; body: ${reply.text.slice(0, 500)}`);
  assert.match(reply.headers.get('content-type') ?? '', /^application\/json/, `${context} content-type`);
  return assertEnvelope(reply.text, code, context);
}

export function expectStatus(reply: Reply, status: number, what = ''): void {
  assert.equal(reply.status, status, `${what} expected ${status}, got ${reply.status}: ${reply.text.slice(0, 500)}`);
}

export function json<T = Record<string, unknown>>(reply: Reply): T {
  return JSON.parse(reply.text) as T;
}

/** Retries `check` until it stops throwing or `ms` pass (for effects the server finishes after replying). */
export async function eventually<T>(check: () => Promise<T>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
