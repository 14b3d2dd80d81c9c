/**
 * A notification listener for tests: records every request's headers and JSON body, answers
 * with a status the test chooses (503 to play a failing endpoint), and can be stopped and
 * started again on the same port (an endpoint that is down for a while).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { freePort } from './registry-process.js';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { events: Array<Record<string, any>> };
}

export interface EventListener {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** Every event received on `path`, in arrival order. */
  events(path: string): Array<Record<string, any>>;
  /** Status of answers from now on (200 by default). */
  answer(status: number): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Resolves once `count` events arrived on `path`, or rejects after `timeoutMs`. */
  waitFor(path: string, count: number, timeoutMs?: number): Promise<Array<Record<string, any>>>;
  /** Resolves once nothing arrived for `quietMs`. */
  settle(quietMs?: number): Promise<void>;
}

export async function startEventListener(): Promise<EventListener> {
  const port = await freePort();
  const received: ReceivedRequest[] = [];
  let status = 200;
  let lastAt = Date.now();
  let server: Server | undefined;
  const listener: EventListener = {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    events: (path) => received.filter((r) => r.path === path).flatMap((r) => r.body.events),
    answer: (next) => void (status = next),
    async start() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          lastAt = Date.now();
          if (status >= 200 && status < 300) {
            const raw = Buffer.concat(chunks).toString('utf8');
            received.push({ path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) });
          }
          res.statusCode = status;
          res.end();
        });
      });
      await new Promise<void>((ok) => server!.listen(port, '127.0.0.1', ok));
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((ok) => {
        s.close(() => ok());
        s.closeAllConnections();
      });
    },
    async waitFor(path, count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (listener.events(path).length < count) {
        if (Date.now() > deadline) throw new Error(`${listener.events(path).length} of ${count} events arrived on ${path}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return listener.events(path);
    },
    async settle(quietMs = 1500) {
      while (Date.now() - lastAt < quietMs) await new Promise((r) => setTimeout(r, 100));
    },
  };
  await listener.start();
  return listener;
}
