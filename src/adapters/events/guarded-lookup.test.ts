import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { guardedLookup } from './guarded-lookup.js';
import { HttpEventTransport } from './http-event-transport.js';

// The check at delivery: a name that resolves to loopback (as a rebinding name would, after
// passing the check at create) is refused when the connection is made.
test('a guarded transport refuses names resolving to refused addresses; an open one connects', async () => {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  const guarded = new HttpEventTransport(guardedLookup(() => false));
  const open = new HttpEventTransport(guardedLookup(() => true));
  try {
    const request = { url: `http://localhost:${port}/`, headers: {}, body: '{}', timeoutMs: 2000 };
    const refused = await guarded.post(request);
    assert.equal(refused.status, 0);
    assert.match(refused.error ?? '', /not a public address/);
    assert.equal((await open.post(request)).status, 200);
  } finally {
    guarded.close();
    open.close();
    server.close();
  }
});
