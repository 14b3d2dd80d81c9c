/**
 * The notification transport against a real local server: a redirect is reported, not
 * followed; a listener that never answers costs the timeout, not more; an endless answer is cut
 * off; a refused connection is status 0 with the reason; headers and the body arrive as sent.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { HttpEventTransport } from './http-event-transport.js';

const hits: Array<{ url: string; headers: IncomingMessage['headers']; body: string }> = [];
let base = '';
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    hits.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
    if (req.url === '/redirect') res.writeHead(307, { location: `${base}/elsewhere` }).end();
    else if (req.url === '/hang') return;
    else if (req.url === '/endless') {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      pump();
      res.on('close', () => res.removeAllListeners('drain'));
    } else res.writeHead(204).end();
  });
});
const transport = new HttpEventTransport();

before(async () => {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  transport.close();
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

const post = (path: string, timeoutMs = 2000) =>
  transport.post({ url: `${base}${path}`, headers: { 'content-type': 'application/x-test', 'x-multi': ['a', 'b'] }, body: '{"events":[]}', timeoutMs });

test('headers and body arrive as sent', async () => {
  const result = await post('/ok');
  assert.equal(result.status, 204);
  const hit = hits.find((h) => h.url === '/ok')!;
  assert.equal(hit.body, '{"events":[]}');
  assert.equal(hit.headers['content-type'], 'application/x-test');
  assert.equal(hit.headers['x-multi'], 'a, b');
});

test('a redirect is reported as its status and not followed', async () => {
  const result = await post('/redirect');
  assert.equal(result.status, 307);
  assert.equal(hits.filter((h) => h.url === '/elsewhere').length, 0);
});

test('a listener that never answers costs the timeout', async () => {
  const started = Date.now();
  const result = await post('/hang', 300);
  assert.equal(result.status, 0);
  assert.match(result.error ?? '', /no answer within 300 ms/);
  assert.ok(Date.now() - started < 2000);
});

test('an endless answer is cut off after the first bytes', async () => {
  const started = Date.now();
  const result = await post('/endless', 10_000);
  assert.equal(result.status, 200);
  assert.ok(Date.now() - started < 5000, 'did not read until the timeout');
});

test('a refused connection is status 0 with the reason', async () => {
  const result = await transport.post({ url: 'http://127.0.0.1:1/', headers: {}, body: '{}', timeoutMs: 2000 });
  assert.equal(result.status, 0);
  assert.match(result.error ?? '', /ECONNREFUSED/);
});
