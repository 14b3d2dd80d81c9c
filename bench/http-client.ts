/**
 * A small keep-alive HTTP/1.1 client over node:http for the flows that need real request logic
 * (uploads that follow Location, manifest PUTs, listing walks). undici is not a dependency, and
 * for byte-heavy or low-rate work node:http's per-request cost is noise. The fixed GET/HEAD rows
 * use raw-load.ts instead, where that cost would not be.
 */
import * as http from 'node:http';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Empty when the request asked to discard the body. */
  body: Buffer;
  bodyBytes: number;
}

/** Request body as parts written in order, so large bodies can reuse one block many times. */
export interface BodyParts {
  parts: Iterable<Buffer>;
  length: number;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Buffer | BodyParts;
  /** Count body bytes without keeping them (blob pulls). */
  discardBody?: boolean;
}

export class HttpClient {
  private readonly agent: http.Agent;
  private readonly base: URL;
  private closed = false;

  constructor(
    baseUrl: string,
    concurrency: number,
    private readonly defaultHeaders: Record<string, string> = {},
  ) {
    this.base = new URL(baseUrl);
    this.agent = new http.Agent({
      keepAlive: true,
      maxSockets: concurrency,
      maxFreeSockets: concurrency,
      scheduling: 'lifo',
    });
  }

  /** `target` is a path (`/v2/…`) or an absolute URL such as an upload Location. */
  url(target: string): URL {
    return new URL(target, this.base);
  }

  request(method: string, target: string, options: RequestOptions = {}): Promise<HttpResponse> {
    // A row that timed out must not keep loading the server during the next row.
    if (this.closed) return Promise.reject(new Error('client closed'));
    const url = this.url(target);
    const headers: Record<string, string> = { 'user-agent': 'berth-bench', ...this.defaultHeaders, ...options.headers };
    const body = options.body;
    const parts: Iterable<Buffer> = body === undefined ? [] : Buffer.isBuffer(body) ? [body] : body.parts;
    const length = body?.length ?? 0;
    if (body !== undefined || method === 'PUT' || method === 'POST' || method === 'PATCH') {
      headers['content-length'] = String(length);
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port,
          method,
          path: url.pathname + url.search,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (!options.discardBody) chunks.push(chunk);
          });
          res.once('error', reject);
          res.once('end', () => {
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
              bodyBytes: bytes,
            });
          });
        },
      );
      req.once('error', reject);
      writeParts(req, parts[Symbol.iterator]());
    });
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
  }
}

/** Writes with backpressure so a 1 GiB body never queues more than the socket's buffer. */
function writeParts(req: http.ClientRequest, parts: Iterator<Buffer>): void {
  for (;;) {
    const next = parts.next();
    if (next.done) {
      req.end();
      return;
    }
    if (!req.write(next.value)) {
      // A server that answers early and closes never drains; 'close' ends the pump then.
      const resume = (): void => {
        req.off('close', stop);
        writeParts(req, parts);
      };
      const stop = (): void => {
        req.off('drain', resume);
      };
      req.once('drain', resume);
      req.once('close', stop);
      return;
    }
  }
}
