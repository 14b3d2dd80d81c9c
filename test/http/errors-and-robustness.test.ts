// What the server does with bad input: invalid names on every endpoint, unknown routes and
// methods, malformed HTTP, bodies cut short, racing writers. Never a 5xx, never a partial
// write, and the server keeps answering afterwards.
import { strict as assert } from 'node:assert';
import { readdir, stat } from 'node:fs/promises';
import * as net from 'node:net';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { OCI_MANIFEST, randomBlob, sha256, uniqueRepo, unknownDigest } from './support/content.js';
import { assertEnvelope, client, eventually, expectError, expectStatus, json, type Client, type Reply } from './support/http-client.js';
import { pushBlob, pushImage, startUpload, withDigest } from './support/push.js';
import { rawRequest, truncatedRequest } from './support/raw-http.js';
import { startObservedServer, type ServerOnRoot } from './support/server-on-root.js';

const UPLOAD_ID = /\/blobs\/uploads\/([A-Za-z0-9_-]+)$/;

function uploadId(location: string): string {
  const id = UPLOAD_ID.exec(location)?.[1];
  assert.ok(id, `no upload id in ${location}`);
  return id;
}

describe('errors and robustness', () => {
  let server: ServerOnRoot & { close(): Promise<void> };
  let c: Client;
  let host: string;
  before(async () => {
    server = await startObservedServer();
    c = client(server.url);
    host = new URL(server.url).host;
  });
  after(() => server.close());

  // A 500 answered to a client that already hung up is invisible to it, but not to the log:
  // after every test, nothing new may have been logged at error level.
  let errorsSeen = 0;
  afterEach(() => {
    const fresh = server.errors().slice(errorsSeen);
    errorsSeen += fresh.length;
    assert.deepEqual(fresh.map((r) => ({ msg: r.msg, err: (r.err as { message?: string } | undefined)?.message })), []);
  });

  /** Upload sessions recorded for `repo` (the metadata store is the authority on them). */
  async function sessionsIn(repo: string): Promise<string[]> {
    const all = await server.registry.deps.metadata.staleUploads(new Date(Date.now() + 3_600_000));
    return all.filter((s) => s.repository === repo).map((s) => s.id);
  }
  const stagingFiles = async () => readdir(join(server.root, 'uploads')).catch(() => [] as string[]);
  const stagedSize = async (id: string) => (await stat(join(server.root, 'uploads', id))).size;
  const blobFileExists = async (digest: string) => {
    const hex = digest.slice('sha256:'.length);
    return stat(join(server.root, 'blobs', 'sha256', hex.slice(0, 2), hex)).then(
      () => true,
      () => false,
    );
  };

  describe('repository names', () => {
    const invalidNames: Array<[string, string]> = [
      ['uppercase', 'Library/Ubuntu'],
      ['a leading dash', '-lib/app'],
      ['a leading dot', '.lib/app'],
      ['a leading underscore', '_lib/app'],
      ['a trailing separator', 'lib/app-'],
      ['a double slash', 'lib//app'],
      ['a leading slash', '/lib/app'],
      ['a trailing slash', 'lib/app/'],
      ['two dots', 'lib/a..b'],
      ['three underscores', 'lib/a___b'],
      ['mixed separators', 'lib/a.-b'],
      ['a percent escape', 'lib/%61pp'],
      ['a non-ASCII letter', 'lib/caf%C3%A9'],
      ['256 characters', 'a'.repeat(256)],
      ['256 characters over components', `${'abc/'.repeat(63)}abcd`],
    ];
    for (const [what, name] of invalidNames) {
      test(`a name with ${what} is 400 NAME_INVALID on every endpoint`, async () => {
        const digest = unknownDigest();
        const fakeUpload = '00000000-0000-4000-8000-000000000000';
        const checks: Array<[string, Promise<Reply>]> = [
          ['tags', c.get(`/v2/${name}/tags/list`)],
          ['GET manifest', c.get(`/v2/${name}/manifests/latest`)],
          ['PUT manifest', c.put(`/v2/${name}/manifests/latest`, { headers: { 'content-type': OCI_MANIFEST }, body: '{}' })],
          ['DELETE manifest', c.delete(`/v2/${name}/manifests/latest`)],
          ['GET blob', c.get(`/v2/${name}/blobs/${digest}`)],
          ['DELETE blob', c.delete(`/v2/${name}/blobs/${digest}`)],
          ['POST upload', c.post(`/v2/${name}/blobs/uploads/`)],
          ['POST monolithic', c.post(`/v2/${name}/blobs/uploads/?digest=${sha256('x')}`, { body: 'x' })],
          ['POST mount', c.post(`/v2/${name}/blobs/uploads/?mount=${digest}&from=ok/repo`)],
          ['GET upload', c.get(`/v2/${name}/blobs/uploads/${fakeUpload}`)],
          ['PATCH upload', c.patch(`/v2/${name}/blobs/uploads/${fakeUpload}`, { body: 'x' })],
          ['PUT upload', c.put(`/v2/${name}/blobs/uploads/${fakeUpload}?digest=${sha256('x')}`, { body: 'x' })],
          ['DELETE upload', c.delete(`/v2/${name}/blobs/uploads/${fakeUpload}`)],
          ['referrers', c.get(`/v2/${name}/referrers/${digest}`)],
        ];
        for (const [endpoint, pending] of checks) {
          const reply = await pending;
          assert.equal(reply.status, 400, `${endpoint}: ${reply.text}`);
          assertEnvelope(reply.text, 'NAME_INVALID', endpoint);
        }
        expectStatus(await c.head(`/v2/${name}/blobs/${digest}`), 400, 'HEAD blob');
        expectStatus(await c.head(`/v2/${name}/manifests/latest`), 400, 'HEAD manifest');
      });
    }

    test('an invalid from= on a mount is 400 NAME_INVALID', async () => {
      expectError(await c.post(`/v2/${uniqueRepo('names')}/blobs/uploads/?mount=${unknownDigest()}&from=Bad//Name`), 400, 'NAME_INVALID');
    });

    /** A unique valid name of exactly `length` characters, its tail made of `component`s. */
    const nameOfLength = (length: number, component: string) => {
      let name = uniqueRepo('valid');
      while (name.length + 1 + component.length <= length) name += `/${component}`;
      return name + 'z'.repeat(length - name.length);
    };
    const validNames: Array<[string, () => string]> = [
      ['255 characters, one long component', () => nameOfLength(255, 'a'.repeat(300))],
      ['255 characters, many short components', () => nameOfLength(255, 'ab')],
      ['every separator', () => `${uniqueRepo('valid')}/a--b/c__d/e.f_g`],
      ['digit-only components', () => `${uniqueRepo('valid')}/0/1/2`],
      ['a run of dashes', () => `${uniqueRepo('valid')}/x-------y`],
    ];
    for (const [what, makeName] of validNames) {
      test(`a valid name with ${what} works end to end`, async () => {
        const name = makeName();
        if (what.startsWith('255')) assert.equal(name.length, 255);
        const image = await pushImage(c, name, 'v1');
        assert.deepEqual(json(await c.get(`/v2/${name}/tags/list`)), { name, tags: ['v1'] });
        assert.deepEqual((await c.get(`/v2/${name}/manifests/${image.digest}`)).body, image.body);
        const catalog = json<{ repositories: string[] }>(await c.get('/v2/_catalog?n=10000'));
        assert.ok(catalog.repositories.includes(name));
      });
    }
  });

  describe('routes and methods', () => {
    // Other paths belong to the web UI (test/http/ui/ui-serving.test.ts): `/` and `/nothing` are pages.
    const unknownPaths = [
      '/v1/',
      '/api/nothing',
      '/tokens',
      '/v2x',
      '/v2/foo',
      '/v2/foo/bar/baz',
      '/v2/foo/manifests/',
      '/v2/foo/blobs/',
      '/v2/foo/referrers/',
      '/v2/_catalog/extra',
      '/v2/foo/tags/list/extra',
      '/v2/foo/blobs/uploads/abc/extra',
    ];
    for (const path of unknownPaths) {
      test(`GET ${path} is 404 NOT_FOUND with the envelope`, async () => {
        const reply = await c.get(path);
        expectError(reply, 404, 'NOT_FOUND');
      });
    }

    test('GET / and other browser paths are the web UI, not a JSON 404', async () => {
      for (const path of ['/', '/nothing', '/v3/']) {
        const reply = await c.get(path);
        assert.equal(reply.status, 200, path);
        assert.match(String(reply.headers.get('content-type')), /^text\/html/, path);
        assert.ok(reply.headers.get('content-security-policy'), path);
      }
    });

    for (const method of ['OPTIONS', 'PROPFIND', 'SEARCH', 'PURGE', 'MKCOL', 'LOCK']) {
      test(`${method}, a method no route serves, is a 404/405 envelope`, async () => {
        for (const path of ['/v2/', '/v2/foo/tags/list', `/v2/foo/blobs/${unknownDigest()}`, '/healthz']) {
          const reply = await c.request(method, path);
          assert.ok(reply.status === 404 || reply.status === 405, `${method} ${path}: ${reply.status}`);
          assertEnvelope(reply.text, reply.status === 404 ? 'NOT_FOUND' : 'UNSUPPORTED', `${method} ${path}`);
        }
      });
    }

    test('a method a route does not allow is 405 UNSUPPORTED naming the method', async () => {
      const error = expectError(await c.request('PATCH', `/v2/foo/manifests/latest`), 405, 'UNSUPPORTED');
      assert.match(error.message, /PATCH/);
    });

    test('POST on the ops endpoints is 404 NOT_FOUND with the envelope', async () => {
      for (const path of ['/healthz', '/readyz', '/metrics']) expectError(await c.post(path), 404, 'NOT_FOUND');
    });

    test('an overlong digest or tag is a 400 with the right code, not a crash', async () => {
      const repo = uniqueRepo('long');
      await pushImage(c, repo, 'v1');
      expectError(await c.get(`/v2/${repo}/blobs/sha256:${'a'.repeat(5000)}`), 400, 'DIGEST_INVALID');
      expectError(await c.get(`/v2/${repo}/manifests/${'t'.repeat(5000)}`), 404, 'MANIFEST_UNKNOWN');
      expectError(await c.put(`/v2/${repo}/manifests/${'t'.repeat(5000)}`, { body: '{}' }), 400, 'TAG_INVALID');
      expectError(await c.get(`/v2/${repo}/manifests/sha256:${'a'.repeat(5000)}`), 400, 'DIGEST_INVALID');
      expectError(await c.get(`/v2/${repo}/referrers/sha256:${'f'.repeat(5000)}`), 400, 'DIGEST_INVALID');
    });

    test('bad query values are 4xx envelopes: repeated n, bracketed keys, bad escapes', async () => {
      const repo = uniqueRepo('query');
      await pushImage(c, repo, 'v1');
      expectError(await c.get(`/v2/${repo}/tags/list?n=%ZZ`), 400, 'PAGINATION_NUMBER_INVALID');
      expectStatus(await c.get(`/v2/${repo}/tags/list?n=1&n=x`), 200);
      expectStatus(await c.get('/v2/_catalog?n[x]=1'), 200);
      expectError(await c.post(`/v2/${repo}/blobs/uploads/?digest=%ZZ`, { body: 'x' }), 400, 'DIGEST_INVALID');
      expectError(await c.post(`/v2/${repo}/blobs/uploads/?mount=%ZZ`), 400, 'DIGEST_INVALID');
    });
  });

  describe('raw HTTP', () => {
    const close = 'Connection: close\r\n';

    test('HTTP/1.0 without Host still gets the version check', async () => {
      const reply = await rawRequest(server.url, 'GET /v2/ HTTP/1.0\r\n\r\n');
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['docker-distribution-api-version'], 'registry/2.0');
    });

    test('an absolute-form request target (RFC 9112 §3.2.2) is served by its path', async () => {
      const repo = uniqueRepo('abs');
      await pushImage(c, repo, 'v1');
      const base = await rawRequest(server.url, `GET http://${host}/v2/ HTTP/1.1\r\nHost: ${host}\r\n${close}\r\n`);
      assert.equal(base.status, 200, base.raw);
      const tags = await rawRequest(server.url, `GET http://${host}/v2/${repo}/tags/list?n=5 HTTP/1.1\r\nHost: ${host}\r\n${close}\r\n`);
      assert.equal(tags.status, 200, tags.raw);
      assert.deepEqual(JSON.parse(tags.text), { name: repo, tags: ['v1'] });
    });

    test('dot segments are not resolved: they reach the name check and fail it', async () => {
      const traversal = await rawRequest(server.url, `GET /v2/a/../b/tags/list HTTP/1.1\r\nHost: ${host}\r\n${close}\r\n`);
      assert.equal(traversal.status, 400);
      assertEnvelope(traversal.text, 'NAME_INVALID');
      const upward = await rawRequest(server.url, `GET /v2/../../etc/passwd HTTP/1.1\r\nHost: ${host}\r\n${close}\r\n`);
      assert.equal(upward.status, 404);
      assertEnvelope(upward.text, 'NOT_FOUND');
      const uploadEscape = await rawRequest(server.url, `GET /v2/a/blobs/uploads/..%2F..%2Fberth.db HTTP/1.1\r\nHost: ${host}\r\n${close}\r\n`);
      assert.equal(uploadEscape.status, 404);
      assertEnvelope(uploadEscape.text, 'BLOB_UPLOAD_UNKNOWN');
    });

    test('pipelined requests on one connection are all answered, in order', async () => {
      const one = `GET /v2/ HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
      const two = `GET /v2/nope HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
      const three = `GET /healthz HTTP/1.1\r\nHost: ${host}\r\n${close}\r\n`;
      const reply = await rawRequest(server.url, one + two + three);
      // Bodies do not end in a newline, so the next status line follows the previous body directly.
      const statuses = [...reply.raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
      assert.deepEqual(statuses, ['200', '404', '200']);
    });

    test('Expect: 100-continue is honoured on a chunk upload', async () => {
      const repo = uniqueRepo('expect');
      const location = await startUpload(c, repo);
      const body = randomBlob(64);
      const [port, hostname] = [Number(new URL(server.url).port), new URL(server.url).hostname];
      const answer = await new Promise<string>((resolve, reject) => {
        let seen = '';
        const socket = net.connect(port, hostname, () => {
          socket.write(`PATCH ${location} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 64\r\nExpect: 100-continue\r\n${close}\r\n`);
        });
        socket.on('data', (chunk: Buffer) => {
          const before = seen;
          seen += chunk.toString('latin1');
          if (!before.includes('100 Continue') && seen.startsWith('HTTP/1.1 100 Continue')) socket.write(body);
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(seen));
        setTimeout(() => socket.destroy(), 5000);
      });
      assert.match(answer, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 202 /);
      assert.match(answer, /\r\nrange: 0-63\r\n/i);
      expectStatus(await c.put(withDigest(location, sha256(body))), 201);
    });

    const malformed: Array<[string, string]> = [
      ['an unknown method token', 'FOO /v2/ HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'],
      ['a request line of garbage', 'GARBAGE\r\n\r\n'],
      ['binary noise', '\u0000\u0001\u0002\u00ff\r\n\r\n'],
      ['a non-numeric Content-Length', 'PUT /v2/foo/manifests/x HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n'],
      ['Content-Length together with chunked framing', 'PATCH /v2/foo/blobs/uploads/x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
      ['a malformed chunk size', 'PATCH /v2/foo/blobs/uploads/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n'],
      ['a header block over the size limit', `GET /v2/ HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(20000)}\r\nConnection: close\r\n\r\n`],
      ['a URL over the size limit', `GET /v2/${'a'.repeat(20000)}/tags/list HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`],
    ];
    for (const [what, request] of malformed) {
      test(`${what} gets a 4xx and the server keeps answering`, async () => {
        const reply = await rawRequest(server.url, request);
        assert.ok(reply.status >= 400 && reply.status < 500, `${what}: ${reply.raw.slice(0, 200)}`);
        expectStatus(await c.get('/v2/'), 200);
      });
    }

    // Node's parser and Fastify's router reject these before any Berth code runs, and answer with
    // Fastify's own JSON ({"error","message","statusCode"}), not the OCI envelope. The fix is the
    // clientErrorHandler / frameworkErrors options where the app is built (src/http/build-app.ts).
    test('client errors caught below the router still use the OCI envelope', async () => {
      const reply = await rawRequest(server.url, 'FOO /v2/ HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
      assertEnvelope(reply.text, 'UNSUPPORTED');
    });

    test('a path with a malformed %-escape is a 400 with the OCI envelope', async () => {
      const reply = await rawRequest(server.url, `GET /v2/f%ZZ/manifests/latest HTTP/1.1\r\nHost: ${host}\r\n${close}\r\n`);
      assert.equal(reply.status, 400);
      assertEnvelope(reply.text, 'NAME_INVALID');
      // A manifest read answers 200 or 404 only: no manifest has a reference that is no tag.
      const read = await rawRequest(server.url, `GET /v2/foo/manifests/%ZZ HTTP/1.1\r\nHost: ${host}\r\n${close}\r\n`);
      assert.equal(read.status, 404);
      assertEnvelope(read.text, 'MANIFEST_UNKNOWN');
    });

    test('a path with a malformed %-escape is a 400, not a crash', async () => {
      for (const path of ['/v2/f%ZZ/manifests/latest', '/v2/%ZZ/tags/list', '/v2/foo/blobs/%E0%A4%A']) {
        const reply = await rawRequest(server.url, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${close}\r\n`);
        assert.equal(reply.status, 400, `${path}: ${reply.raw.slice(0, 200)}`);
      }
      expectStatus(await c.get('/v2/'), 200);
    });
  });

  describe('bodies cut short', () => {
    test('a PATCH cut after 10 of 1000 declared bytes leaves the session at its acknowledged size', async () => {
      const repo = uniqueRepo('cut');
      const location = await startUpload(c, repo);
      const id = uploadId(location);
      const bytes = randomBlob(1000);
      await truncatedRequest(server.url, 'PATCH', location, 1000, bytes.subarray(0, 10), { 'content-type': 'application/octet-stream' });
      await eventually(async () => {
        const status = await c.get(location);
        expectStatus(status, 204);
        assert.equal(status.headers.get('range'), '0-0');
        assert.equal(await stagedSize(id), 0, 'the partial chunk was rolled back');
      });
      // The session is still usable from where it really is: the whole blob completes it.
      await eventually(async () => {
        const patch = await c.patch(location, { headers: { 'content-range': '0-999' }, body: bytes });
        expectStatus(patch, 202);
      });
      expectStatus(await c.put(withDigest(location, sha256(bytes))), 201);
      assert.deepEqual((await c.get(`/v2/${repo}/blobs/${sha256(bytes)}`)).body, bytes);
    });

    test('a PATCH cut after earlier chunks keeps those chunks', async () => {
      const repo = uniqueRepo('cut');
      const location = await startUpload(c, repo);
      const id = uploadId(location);
      const bytes = randomBlob(300);
      expectStatus(await c.patch(location, { body: bytes.subarray(0, 100) }), 202);
      await truncatedRequest(server.url, 'PATCH', location, 200, bytes.subarray(100, 150), { 'content-range': '100-299' });
      await eventually(async () => {
        assert.equal((await c.get(location)).headers.get('range'), '0-99');
        assert.equal(await stagedSize(id), 100);
      });
      await eventually(async () => expectStatus(await c.patch(location, { headers: { 'content-range': '100-299' }, body: bytes.subarray(100) }), 202));
      expectStatus(await c.put(withDigest(location, sha256(bytes))), 201);
      assert.deepEqual((await c.get(`/v2/${repo}/blobs/${sha256(bytes)}`)).body, bytes);
    });

    test('a chunked PATCH cut mid-chunk is rolled back the same way', async () => {
      const repo = uniqueRepo('cut');
      const location = await startUpload(c, repo);
      const id = uploadId(location);
      const [port, hostname] = [Number(new URL(server.url).port), new URL(server.url).hostname];
      await new Promise<void>((resolve) => {
        const socket = net.connect(port, hostname, () => {
          socket.write(`PATCH ${location} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n`);
          socket.write(`a\r\n0123456789\r\n400\r\n${'x'.repeat(100)}`, () => setTimeout(() => socket.destroy(), 100));
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });
      await eventually(async () => {
        assert.equal((await c.get(location)).headers.get('range'), '0-0');
        assert.equal(await stagedSize(id), 0);
      });
      const bytes = randomBlob(50);
      await eventually(async () => expectStatus(await c.patch(location, { body: bytes }), 202));
      expectStatus(await c.put(withDigest(location, sha256(bytes))), 201);
    });

    test('a monolithic POST cut short leaves no blob, no session, no staging file and no repository', async () => {
      const repo = uniqueRepo('cut');
      const bytes = randomBlob(1000);
      const digest = sha256(bytes);
      const stagedBefore = new Set(await stagingFiles());
      await truncatedRequest(server.url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, 1000, bytes.subarray(0, 10));
      await eventually(async () => {
        assert.deepEqual(await sessionsIn(repo), []);
        assert.deepEqual((await stagingFiles()).filter((f) => !stagedBefore.has(f)), []);
      });
      expectError(await c.get(`/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      expectError(await c.get(`/v2/${repo}/tags/list`), 404, 'NAME_UNKNOWN');
      assert.equal(await blobFileExists(digest), false);
      // The same push, whole this time, succeeds.
      await pushBlob(c, repo, bytes);
      assert.equal(await blobFileExists(digest), true);
    });

    test('a closing PUT cut short keeps the session at its acknowledged size', async () => {
      const repo = uniqueRepo('cut');
      const location = await startUpload(c, repo);
      const id = uploadId(location);
      const bytes = randomBlob(30);
      expectStatus(await c.patch(location, { body: bytes.subarray(0, 10) }), 202);
      await truncatedRequest(server.url, 'PUT', withDigest(location, sha256(bytes)), 20, bytes.subarray(10, 15));
      await eventually(async () => {
        assert.equal((await c.get(location)).headers.get('range'), '0-9');
        assert.equal(await stagedSize(id), 10);
      });
      assert.equal(await blobFileExists(sha256(bytes)), false);
      await eventually(async () => expectStatus(await c.put(withDigest(location, sha256(bytes)), { body: bytes.subarray(10) }), 201));
      assert.deepEqual((await c.get(`/v2/${repo}/blobs/${sha256(bytes)}`)).body, bytes);
    });

    test('a manifest PUT cut short stores nothing', async () => {
      const repo = uniqueRepo('cut');
      const image = await pushImage(c, repo, 'existing');
      await truncatedRequest(server.url, 'PUT', `/v2/${repo}/manifests/partial`, image.body.length + 50, image.body.subarray(0, 10), {
        'content-type': OCI_MANIFEST,
      });
      // Give the server the moment it needs to see the cut, then check nothing was recorded.
      await new Promise((r) => setTimeout(r, 200));
      expectError(await c.get(`/v2/${repo}/manifests/partial`), 404, 'MANIFEST_UNKNOWN');
      assert.deepEqual(json(await c.get(`/v2/${repo}/tags/list`)), { name: repo, tags: ['existing'] });
    });
  });

  describe('racing writers', () => {
    test('a second PATCH while one is streaming is refused with 400, and the first one completes', async () => {
      const repo = uniqueRepo('race');
      const location = await startUpload(c, repo);
      const id = uploadId(location);
      const bytes = randomBlob(20);
      const [port, hostname] = [Number(new URL(server.url).port), new URL(server.url).hostname];
      const socket = net.connect(port, hostname);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.write(`PATCH ${location} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 20\r\nConnection: close\r\n\r\n`);
      socket.write(bytes.subarray(0, 10));
      try {
        // The store batches writes, so nothing on disk shows the first request has started; on
        // loopback its head and first bytes are handled well within this pause.
        await new Promise((r) => setTimeout(r, 300));
        expectError(await c.patch(location, { body: randomBlob(5) }), 400, 'BLOB_UPLOAD_INVALID');
        expectError(await c.put(withDigest(location, sha256(bytes)), { body: randomBlob(5) }), 400, 'BLOB_UPLOAD_INVALID');
        socket.write(bytes.subarray(10));
        await closed;
        assert.equal(await stagedSize(id), 20);
      } finally {
        socket.destroy();
      }
      assert.match(answer, /^HTTP\/1\.1 202 /);
      assert.match(answer, /\r\nrange: 0-19\r\n/i);
      expectStatus(await c.put(withDigest(location, sha256(bytes))), 201);
      assert.deepEqual((await c.get(`/v2/${repo}/blobs/${sha256(bytes)}`)).body, bytes);
    });

    test('the same blob pushed to one repository by many clients at once ends up stored once and readable', async () => {
      const repo = uniqueRepo('race');
      const bytes = randomBlob(100_000);
      const replies = await Promise.all(
        Array.from({ length: 8 }, () => c.post(`/v2/${repo}/blobs/uploads/?digest=${sha256(bytes)}`, { body: bytes })),
      );
      for (const reply of replies) expectStatus(reply, 201);
      const got = await c.get(`/v2/${repo}/blobs/${sha256(bytes)}`);
      assert.equal(sha256(got.body), sha256(bytes));
      assert.deepEqual(await sessionsIn(repo), []);
    });

    test('the same manifest pushed under many tags at once: every tag lands', async () => {
      const repo = uniqueRepo('race');
      const image = await pushImage(c, repo, 'seed');
      const tags = Array.from({ length: 10 }, (_, i) => `t${i}`);
      const replies = await Promise.all(
        tags.map((tag) => c.put(`/v2/${repo}/manifests/${tag}`, { headers: { 'content-type': OCI_MANIFEST }, body: image.body })),
      );
      for (const reply of replies) expectStatus(reply, 201);
      assert.deepEqual(json<{ tags: string[] }>(await c.get(`/v2/${repo}/tags/list`)).tags, ['seed', ...tags].sort());
    });
  });

  test('after all of the above the server still answers every kind of request', async () => {
    expectStatus(await c.get('/v2/'), 200);
    expectStatus(await c.get('/healthz'), 200);
    expectStatus(await c.get('/readyz'), 200);
    const repo = uniqueRepo('final');
    const image = await pushImage(c, repo, 'v1');
    assert.deepEqual((await c.get(`/v2/${repo}/manifests/v1`)).body, image.body);
  });
});
