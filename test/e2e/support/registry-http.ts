/**
 * Plain HTTP(S) requests to the registry, for checking what clients left there (a manifest's
 * digest, a 404 after delete, the catalog). node:https is used rather than fetch because fetch
 * in Node 20 cannot be given a CA per request.
 */
import * as http from 'node:http';
import * as https from 'node:https';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json<T>(): T;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** PEM of a CA to trust for https URLs. */
  ca?: string;
}

export async function httpRequest(url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((ok, fail) => {
    const request = client.request(
      target,
      { method: options.method ?? 'GET', headers: options.headers, ca: options.ca, timeout: 30_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('error', fail);
        response.once('end', () => {
          const body = Buffer.concat(chunks);
          ok({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body,
            text: () => body.toString('utf8'),
            json: <T>() => JSON.parse(body.toString('utf8')) as T,
          });
        });
      },
    );
    request.once('timeout', () => request.destroy(new Error(`${options.method ?? 'GET'} ${url}: timed out`)));
    request.once('error', fail);
    request.end();
  });
}

/** Every manifest type a client might have pushed, so content negotiation never hides one. */
export const manifestAccept = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');
