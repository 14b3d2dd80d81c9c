/**
 * A forwarding HTTP proxy in front of an upstream that records every request reaching it, so a
 * test can count what a client cost the upstream (token requests, HEADs, blob GETs). The Host
 * header is passed through unchanged, so a registry that derives its token realm from Host
 * (Berth does) sends clients back through the proxy.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface CountingProxy {
  url: string;
  host: string;
  requests: SeenRequest[];
  /** Requests whose path (without query) matches. */
  count(method: string, path: RegExp): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const to = new URL(target);
  const requests: SeenRequest[] = [];
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const upstream = http.request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    count: (method, path) => requests.filter((r) => r.method === method && path.test(r.url.split('?')[0]!)).length,
    reset: () => void requests.splice(0),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      agent.destroy();
    },
  };
}
