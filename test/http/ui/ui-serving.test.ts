/**
 * The web UI as a browser gets it: index.html for every browser path, hashed assets cached for
 * a year and compressed as Accept-Encoding asks, the Content-Security-Policy on every page, no
 * file outside the bundle reachable, and a page saying how to build the UI when it is missing.
 * The bundle is a small fake built here, so these tests do not depend on the real UI package.
 */
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import { PACKAGE_ROOT } from '../../../src/compose/ui-bundle.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';
import { rawRequest } from '../support/raw-http.js';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-3f2a9c.js"></script></head><body><div id="app"></div></body></html>';
const SCRIPT = `export const answer = 42;\n${'console.log("a line the compressor will love");\n'.repeat(60)}`;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** node:http, not fetch: fetch would undo the content coding these tests look at. */
function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Got> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, base), { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end();
  });
}

function assertSecurityHeaders(got: Got, what: string): void {
  assert.equal(got.headers['content-security-policy'], CSP, what);
  assert.equal(got.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(got.headers['referrer-policy'], 'no-referrer', what);
  assert.equal(got.headers['x-frame-options'], 'DENY', what);
}

function assertNotFoundEnvelope(got: Got, what: string): void {
  assert.equal(got.status, 404, what);
  const body = JSON.parse(got.body.toString('utf8')) as { errors: { code: string }[] };
  assert.equal(body.errors[0].code, 'NOT_FOUND', what);
}

describe('web UI serving from a built bundle', () => {
  let dist: string;
  let server: TestServer;

  before(async () => {
    dist = await mkdtemp(join(tmpdir(), 'berth-ui-dist-'));
    await mkdir(join(dist, 'assets', 'fonts'), { recursive: true });
    await writeFile(join(dist, 'index.html'), INDEX);
    await writeFile(join(dist, 'assets', 'app-3f2a9c.js'), SCRIPT);
    await writeFile(join(dist, 'assets', 'logo-77aa.png'), PNG);
    await writeFile(join(dist, 'assets', 'fonts', 'inter-1b2c.woff2'), Buffer.from('not really a font'));
    // A secret beside the bundle: nothing may reach it.
    await writeFile(join(dist, 'secret.txt'), 'do not serve me');
    server = await startTestServer({ ui: { enabled: true, path: dist } });
  });
  after(async () => {
    await server?.close();
    await rm(dist, { recursive: true, force: true });
  });

  test('GET / is index.html, revalidated every time, with the security headers', async () => {
    const got = await get(server.url, '/');
    assert.equal(got.status, 200);
    assert.equal(got.body.toString('utf8'), INDEX);
    assert.match(String(got.headers['content-type']), /^text\/html; charset=utf-8$/);
    assert.equal(got.headers['cache-control'], 'no-cache');
    assert.ok(got.headers.etag);
    assertSecurityHeaders(got, 'GET /');
    const again = await get(server.url, '/', { 'if-none-match': String(got.headers.etag) });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
  });

  test('any browser path is index.html (the UI routes on the client), HEAD included', async () => {
    for (const path of ['/projects', '/repositories/team%2Fapp/-/tags', '/users/admin?tab=tokens', '/favicon.ico']) {
      const got = await get(server.url, path);
      assert.equal(got.status, 200, path);
      assert.equal(got.body.toString('utf8'), INDEX, path);
      assertSecurityHeaders(got, path);
    }
    const head = await get(server.url, '/projects', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  });

  test('API, registry and ops paths keep their own answers or a JSON 404', async () => {
    for (const path of ['/v2x', '/v1/nothing', '/api/v1/nothing', '/api', '/tokenx', '/metricsx']) {
      assertNotFoundEnvelope(await get(server.url, path), path);
    }
    assert.equal((await get(server.url, '/healthz')).status, 200);
    assert.equal((await get(server.url, '/v2/')).status, 200, 'auth is off in this server');
    assert.equal((await get(server.url, '/', {}, 'POST')).status, 404, 'only GET and HEAD serve pages');
  });

  test('a hashed asset is cached for a year, with an ETag, plain without Accept-Encoding', async () => {
    const got = await get(server.url, '/assets/app-3f2a9c.js');
    assert.equal(got.status, 200);
    assert.equal(got.body.toString('utf8'), SCRIPT);
    assert.equal(got.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(String(got.headers['content-type']), /^text\/javascript/);
    assert.equal(got.headers['content-encoding'], undefined);
    assert.match(String(got.headers.vary), /accept-encoding/i);
    assert.ok(got.headers.etag);
    assertSecurityHeaders(got, 'asset');
    assert.equal((await get(server.url, '/assets/app-3f2a9c.js', { 'if-none-match': String(got.headers.etag) })).status, 304);
    const nested = await get(server.url, '/assets/fonts/inter-1b2c.woff2');
    assert.equal(nested.status, 200);
    assert.equal(nested.headers['content-type'], 'font/woff2');
  });

  test('gzip or Brotli as Accept-Encoding asks, each with its own ETag', async () => {
    const gz = await get(server.url, '/assets/app-3f2a9c.js', { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.ok(gz.body.length < Buffer.byteLength(SCRIPT));
    assert.equal(gunzipSync(gz.body).toString('utf8'), SCRIPT);

    const br = await get(server.url, '/assets/app-3f2a9c.js', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.body).toString('utf8'), SCRIPT);
    assert.notEqual(br.headers.etag, gz.headers.etag);

    const refused = await get(server.url, '/assets/app-3f2a9c.js', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    assert.equal(refused.headers['content-encoding'], undefined);
    assert.equal(refused.body.toString('utf8'), SCRIPT);

    const png = await get(server.url, '/assets/logo-77aa.png', { 'accept-encoding': 'gzip, br' });
    assert.equal(png.headers['content-encoding'], undefined, 'images are not recompressed');
    assert.deepEqual(png.body, PNG);
    assert.equal(png.headers['content-type'], 'image/png');
  });

  test('an unknown asset is a JSON 404, not index.html', async () => {
    for (const path of ['/assets/app-000000.js', '/assets/', '/assets/fonts']) {
      const got = await get(server.url, path);
      assertNotFoundEnvelope(got, path);
    }
  });

  test('no path reaches a file outside the bundle', async () => {
    const attempts = [
      '/assets/../../package.json',
      '/assets/../secret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/..%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/assets/....//secret.txt',
      '/assets//etc/passwd',
      '/secret.txt',
      '/../package.json',
    ];
    for (const path of attempts) {
      const reply = await rawRequest(server.url, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      assert.ok(reply.status === 404 || reply.status === 400 || (reply.status === 200 && reply.text === INDEX), `${path}: ${reply.status} ${reply.text.slice(0, 80)}`);
      assert.doesNotMatch(reply.text, /do not serve me|"name": "berth"|root:/, path);
    }
  });
});

describe('web UI serving without a built bundle', () => {
  let server: TestServer;
  let missing: string;

  before(async () => {
    missing = join(tmpdir(), `berth-ui-missing-${process.pid}-${Date.now()}`);
    server = await startTestServer({ ui: { enabled: true, path: missing } });
  });
  after(async () => {
    await server?.close();
  });

  test('GET / says the UI is not built and how to build it, not a 404, and does not reveal where it looked', async () => {
    for (const path of ['/', '/projects']) {
      const got = await get(server.url, path);
      assert.equal(got.status, 200, path);
      assert.match(String(got.headers['content-type']), /^text\/html/);
      assert.match(got.body.toString('utf8'), /not built/);
      assert.match(got.body.toString('utf8'), /npm run build:ui/);
      assert.ok(!got.body.toString('utf8').includes(missing), 'the server path is logged, not shown');
      assertSecurityHeaders(got, path);
    }
    assertNotFoundEnvelope(await get(server.url, '/assets/app.js'), 'no assets either');
  });
});

describe('web UI turned off (ui.enabled: false)', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ ui: { enabled: false, path: undefined } });
  });
  after(async () => {
    await server?.close();
  });

  test('GET / and browser paths are the JSON 404 they were before the UI', async () => {
    for (const path of ['/', '/projects', '/assets/app.js']) {
      const got = await get(server.url, path);
      assertNotFoundEnvelope(got, path);
      assert.equal(got.headers['content-security-policy'], undefined);
    }
  });
});

describe('web UI variants the build wrote beside the files', () => {
  const STYLE = `body { margin: 0; }\n${'.card { padding: 1rem; border: 1px solid #ccc; }\n'.repeat(40)}`;
  let dist: string;
  let server: TestServer;
  /** Quality 1, so it differs from the quality-11 encoding the server would make itself. */
  let prebuiltBr: Buffer;

  before(async () => {
    dist = await mkdtemp(join(tmpdir(), 'berth-ui-prebuilt-'));
    await mkdir(join(dist, 'assets'), { recursive: true });
    await writeFile(join(dist, 'index.html'), INDEX);
    await writeFile(join(dist, 'assets', 'app-3f2a9c.js'), SCRIPT);
    await writeFile(join(dist, 'assets', 'site-9d1e.css'), STYLE);
    prebuiltBr = brotliCompressSync(Buffer.from(STYLE), { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } });
    await writeFile(join(dist, 'assets', 'site-9d1e.css.br'), prebuiltBr);
    // Left from an earlier build of another file body: it must not be served for this one.
    await writeFile(join(dist, 'assets', 'site-9d1e.css.gz'), gzipSync(Buffer.from('body { color: red; }\n'.repeat(40))));
    // Not gzip at all.
    await writeFile(join(dist, 'assets', 'app-3f2a9c.js.gz'), Buffer.from('not gzip'));
    server = await startTestServer({ ui: { enabled: true, path: dist } });
  });
  after(async () => {
    await server?.close();
    await rm(dist, { recursive: true, force: true });
  });

  test('a variant that decodes to the file is served as the build wrote it', async () => {
    const br = await get(server.url, '/assets/site-9d1e.css', { 'accept-encoding': 'br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.ok(br.body.equals(prebuiltBr), 'the prebuilt bytes, not a fresh encoding');
  });

  test('a stale or broken variant is replaced by a fresh encoding of the file', async () => {
    const stale = await get(server.url, '/assets/site-9d1e.css', { 'accept-encoding': 'gzip' });
    assert.equal(stale.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(stale.body).toString('utf8'), STYLE);
    const broken = await get(server.url, '/assets/app-3f2a9c.js', { 'accept-encoding': 'gzip' });
    assert.equal(broken.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(broken.body).toString('utf8'), SCRIPT);
  });

  test('the variant files are not assets of their own', async () => {
    assertNotFoundEnvelope(await get(server.url, '/assets/site-9d1e.css.br'), 'a .br file');
  });
});

test('the build writes gzip and Brotli variants of the real UI that decode to each file', async () => {
  const assets = join(PACKAGE_ROOT, 'ui', 'dist', 'assets');
  const names = await readdir(assets);
  const scripts = names.filter((n) => n.endsWith('.js'));
  assert.ok(scripts.length > 0, 'the UI is built (npm run build)');
  for (const name of names.filter((n) => n.endsWith('.js') || n.endsWith('.css'))) {
    const body = await readFile(join(assets, name));
    assert.ok(gunzipSync(await readFile(join(assets, `${name}.gz`))).equals(body), `${name}.gz`);
    assert.ok(brotliDecompressSync(await readFile(join(assets, `${name}.br`))).equals(body), `${name}.br`);
  }
});
