/**
 * POSTs notification bodies with node:http(s). Deliberately small: no redirects are followed
 * (a 3xx is reported as the status it is), at most MAX_RESPONSE_BYTES of the answer are read
 * before the socket is dropped (the body is not used; reading it lets the connection be reused),
 * and the whole exchange is bounded by the request's timeout.
 */
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { EventTransport, TransportRequest, TransportResult } from '../../ports/event-transport.js';

const MAX_RESPONSE_BYTES = 64 * 1024;

export class HttpEventTransport implements EventTransport {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 4 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 4 });

  /** `lookup` decides where connections may go (webhooks: adapters/events/guarded-lookup.ts). */
  constructor(private readonly lookup?: LookupFunction) {}

  post(req: TransportRequest, options: { signal?: AbortSignal } = {}): Promise<TransportResult> {
    const started = performance.now();
    const url = new URL(req.url);
    const secure = url.protocol === 'https:';
    const body = Buffer.from(req.body, 'utf8');
    return new Promise((resolve) => {
      let settled = false;
      const finish = (status: number, error?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status, latencyMs: performance.now() - started, ...(error === undefined ? {} : { error }) });
      };
      const headers: Record<string, string | string[]> = { 'content-length': String(body.length) };
      for (const [name, value] of Object.entries(req.headers)) headers[name] = typeof value === 'string' ? value : [...value];
      const client = (secure ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        headers,
        agent: secure ? this.https : this.http,
        signal: options.signal,
        ...(this.lookup === undefined ? {} : { lookup: this.lookup }),
      });
      const timer = setTimeout(() => {
        client.destroy();
        finish(0, `no answer within ${req.timeoutMs} ms`);
      }, req.timeoutMs);
      client.on('response', (response) => {
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) response.destroy();
        });
        const status = response.statusCode ?? 0;
        response.on('end', () => finish(status));
        response.on('close', () => finish(status));
        response.on('error', () => finish(status));
      });
      client.on('error', (error) => finish(0, error.message));
      client.end(body);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
