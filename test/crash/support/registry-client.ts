/**
 * A minimal registry HTTP client for the crash test. node:http with a keep-alive agent rather
 * than fetch: a registry killed mid-request must surface as a socket error on exactly the
 * requests it was serving, and the agent must be destroyable so no socket outlives the process.
 */
import * as http from 'node:http';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Buffer;
}

/** A reply the protocol does not allow at that point: always a failure, whenever it arrives. */
export class UnexpectedReply extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly reply: Reply,
    expected: string,
  ) {
    super(`${method} ${path}: expected ${expected}, got ${reply.status} ${reply.body.toString('utf8').slice(0, 500)}`);
  }
}

export const octetStream = { 'content-type': 'application/octet-stream' };

export interface ClientOptions {
  /** 1 forces every request onto the same keep-alive connection, as a sequential client does. */
  maxSockets?: number;
  /** A loopback registry answers in far less; waiting longer would only delay the report. */
  timeoutMs?: number;
}

export class RegistryClient {
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;

  constructor(
    readonly baseUrl: string,
    options: ClientOptions = {},
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const url = new URL(path, this.baseUrl);
    const body = options.body ?? Buffer.alloc(0);
    const headers: Record<string, string> = { ...options.headers };
    // Always explicit: a PUT without a body must still say so, or the server waits for one.
    if (method !== 'GET' && method !== 'HEAD') headers['content-length'] = String(body.length);
    return new Promise((ok, fail) => {
      const request = http.request(url, { method, headers, agent: this.agent, timeout: this.timeoutMs }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('error', fail);
        response.once('end', () => ok({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      });
      request.once('timeout', () => request.destroy(new Error(`${method} ${path}: no answer within ${this.timeoutMs} ms`)));
      request.once('error', fail);
      request.end(body.length > 0 ? body : undefined);
    });
  }

  async expect(status: number, method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const reply = await this.request(method, path, options);
    if (reply.status !== status) throw new UnexpectedReply(method, path, reply, String(status));
    return reply;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The upload's acknowledged size from a `Range: 0-<last>` header ("0-0" is read as empty). */
export function uploadedSize(reply: Reply): number {
  const match = /^0-(\d+)$/.exec(String(reply.headers.range ?? ''));
  if (!match) throw new UnexpectedReply('?', 'upload', reply, 'a Range header 0-<n>');
  const last = Number(match[1]);
  // Distribution's "0-0" means both "nothing yet" and "one byte"; this test never sends a
  // one-byte first chunk, and a kill cannot plausibly land after exactly one byte was written.
  return last === 0 ? 0 : last + 1;
}

/** Where a session's next request goes, with query parameters appended correctly. */
export function withQuery(location: string, query: Record<string, string>): string {
  const separator = location.includes('?') ? '&' : '?';
  return `${location}${separator}${new URLSearchParams(query).toString()}`;
}

export function headerValue(reply: Reply, name: string): string {
  const value = reply.headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}
