/**
 * A tiny HTTP(S) server whose every answer the test writes: the misbehaving upstream (a lying
 * digest, 503s, 429s, a stall, a redirect) that no real registry can be made to be. It records
 * the requests it saw.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, index: number) => void | Promise<void>;

export interface ScriptedServer {
  url: string;
  host: string;
  seen: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export async function startScriptedServer(options: { tls?: { cert: string; key: string }; host?: string } = {}): Promise<ScriptedServer> {
  let handler: Handler = (_req, res) => void res.writeHead(404).end();
  const seen: ScriptedServer['seen'] = [];
  const listener: http.RequestListener = (req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    Promise.resolve(handler(req, res, seen.length - 1)).catch(() => res.destroy());
  };
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener) : http.createServer(listener);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  const host = `${options.host ?? '127.0.0.1'}:${port}`;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}`,
    host,
    seen,
    handle(next) {
      handler = next;
      seen.splice(0);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
