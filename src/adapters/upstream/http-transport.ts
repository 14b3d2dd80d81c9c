/**
 * One HTTP exchange with an upstream (or a host it redirects to), on Node's own http/https:
 * pooled keep-alive connections per upstream, its TLS trust, and three timeouts a plain fetch
 * cannot tell apart — connecting, waiting for headers, and silence while a body streams. It
 * resolves at the response's headers and leaves the body to the caller; retries, auth and
 * redirects belong to the client above.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { UpstreamTimeouts } from '../../ports/upstream-registry.js';

export type TransportFailureReason = 'connect-timeout' | 'headers-timeout' | 'idle-timeout' | 'connection' | 'tls';

/** A failure below HTTP; the client turns it into an UpstreamError with a message. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(readonly reason: TransportFailureReason, readonly host: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface TransportRequest {
  method: 'GET' | 'HEAD';
  url: URL;
  headers: Record<string, string>;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Async-iterable; destroyed with a TransportError on an idle timeout, with the abort reason on abort. */
  body: http.IncomingMessage;
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|HOSTNAME_MISMATCH|DEPTH_ZERO/;

export class HttpTransport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(
    tls: { ca?: string; skipVerify?: boolean },
    private readonly timeouts: UpstreamTimeouts,
  ) {
    const pool = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16 };
    this.httpAgent = new http.Agent(pool);
    // `ca` replaces Node's roots, so the system roots go with it: a redirect from a private
    // upstream to public object storage must still verify.
    this.httpsAgent = new https.Agent({
      ...pool,
      ca: tls.ca ? [...rootCertificates, tls.ca] : undefined,
      rejectUnauthorized: !tls.skipVerify,
    });
  }

  send(request: TransportRequest): Promise<TransportResponse> {
    const { url, signal } = request;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const secure = url.protocol === 'https:';
    const host = url.host;
    return new Promise((resolve, reject) => {
      let settled = false;
      let response: http.IncomingMessage | undefined;
      const timers: NodeJS.Timeout[] = [];
      const clear = () => timers.splice(0).forEach(clearTimeout);
      const fail = (error: Error) => {
        clear();
        if (response) response.destroy(error);
        else req.destroy(error);
        if (!settled) {
          settled = true;
          reject(error);
        }
      };
      const onAbort = () => fail(signal!.reason instanceof Error ? signal!.reason : new Error(String(signal!.reason)));
      signal?.addEventListener('abort', onAbort, { once: true });
      const release = () => signal?.removeEventListener('abort', onAbort);

      const req = (secure ? https : http).request(url, {
        method: request.method,
        headers: request.headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
      });
      const startHeadersTimer = () => {
        timers.push(
          setTimeout(
            () => fail(new TransportError('headers-timeout', host, `no response headers within ${this.timeouts.headersMs} ms`)),
            this.timeouts.headersMs,
          ),
        );
      };
      req.on('socket', (socket: Socket) => {
        if (!socket.connecting) return startHeadersTimer();
        const connectTimer = setTimeout(
          () => fail(new TransportError('connect-timeout', host, `no connection within ${this.timeouts.connectMs} ms`)),
          this.timeouts.connectMs,
        );
        timers.push(connectTimer);
        socket.once(secure ? 'secureConnect' : 'connect', () => {
          clearTimeout(connectTimer);
          startHeadersTimer();
        });
      });
      // Socket inactivity, for the whole exchange: what catches a body that stops mid-stream.
      req.setTimeout(this.timeouts.idleMs, () =>
        fail(new TransportError('idle-timeout', host, `no bytes for ${this.timeouts.idleMs} ms`)),
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (settled) return;
        if (error instanceof TransportError || signal?.aborted) return fail(error);
        const tls = TLS_CODES.test(error.code ?? '') ? 'tls' : 'connection';
        fail(new TransportError(tls, host, error.code ? `${error.code}: ${error.message}` : error.message, { cause: error }));
      });
      req.on('response', (res) => {
        response = res;
        clear();
        res.once('close', release);
        if (!settled) {
          settled = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
        }
      });
      req.on('close', () => {
        if (!response) release();
      });
      req.end();
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** Reads a whole (small) body, refusing more than `limit` bytes. Resolves undefined when over the limit. */
export async function readLimited(body: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** Drains and discards a body so its connection goes back to the pool (small error bodies only). */
export function discard(body: http.IncomingMessage): void {
  body.resume();
  body.on('error', () => {});
}
