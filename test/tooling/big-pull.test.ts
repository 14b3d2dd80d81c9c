/**
 * Rows 5 and 5b trust timedPull to refuse a pull that did not bring the whole body, whichever
 * client ran it, and row 5b's note reports the Node client's page faults. A real loopback server
 * here, and the real curl and node-pull.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { timedPull, type PullClient } from '../../bench/big-pull.js';

const BODY = Buffer.alloc(4 * 1024 * 1024, 0x61);
let server: Server;
let base: string;
const seenAuthorization: (string | undefined)[] = [];

before(async () => {
  server = createServer((req, res) => {
    seenAuthorization.push(req.headers.authorization);
    if (req.url === '/missing') return void res.writeHead(404).end('no');
    if (req.url === '/short') return void res.writeHead(200, { 'content-length': BODY.length / 2 }).end(BODY.subarray(0, BODY.length / 2));
    res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const clients: PullClient[] = ['curl', 'Node client', 'Node client, heap kept'];

for (const client of clients) {
  test(`${client}: a whole body gives a rate, and the Authorization header is sent`, async () => {
    seenAuthorization.length = 0;
    const pull = await timedPull(client, `${base}/blob`, BODY.length, 'Bearer t0k');
    assert.ok(pull.mibPerSecond > 0 && Number.isFinite(pull.mibPerSecond), String(pull.mibPerSecond));
    assert.deepEqual(seenAuthorization, ['Bearer t0k']);
    if (client === 'curl') assert.equal(pull.clientFaults, undefined);
    else assert.ok((pull.clientFaults ?? 0) > 1000, `a Node process faults in its heap: ${pull.clientFaults}`);
  });

  test(`${client}: a 404 is refused`, async () => {
    await assert.rejects(timedPull(client, `${base}/missing`, BODY.length), /404 on GET big blob/);
  });

  test(`${client}: fewer bytes than the blob's size are refused`, async () => {
    await assert.rejects(timedPull(client, `${base}/short`, BODY.length), new RegExp(`got ${BODY.length / 2} of ${BODY.length} bytes`));
  });
}
