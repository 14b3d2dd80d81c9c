/**
 * A seeded fuzzer over every /v2, /token and /api/v1 route of a real `berth serve` process.
 *
 * Routes come from the code: the /v2 table (src/http/oci/routes.ts) and the OpenAPI document of
 * /api/v1, so a new route is fuzzed without editing this file (a new /v2 label needs a path
 * template below, and the test says so). Each request picks a route and a method (the route's
 * own or a random one), fills its parameters with hostile or valid values, adds a hostile query,
 * headers, a body and a credential of some kind (valid ones of every kind, broken ones, none),
 * and goes out as raw bytes on a fresh socket.
 *
 * It fails on any 5xx, on an error answer from /v2 or /api/v1 that is not the JSON envelope, on
 * a connection closed without an answer (a request whose body we cut short excepted), on no
 * answer at all, and when the process is dead or /healthz silent at the end.
 *
 * Replay: BERTH_FUZZ_SEED=<seed printed on failure>. Budget: BERTH_FUZZ_SECONDS (default 25)
 * or BERTH_FUZZ_REQUESTS (default 3000), whichever ends first.
 */
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { openApiDocument } from '../../src/http/api/openapi.js';
import { ociRoutes } from '../../src/http/oci/routes.js';
import type { RegistryProcess } from '../support/registry-process.js';
import { seededRandom } from '../support/seeded-random.js';
import { client, json } from '../http/support/http-client.js';
import { offlineLogin, withHeaders } from '../http/support/auth.js';
import { pushImage, type PushedImage } from '../http/support/push.js';
import { ADMIN, assertHealthy, basicOf, isEnvelope, pool, seedAccounts, sendRaw, startGuardedBerth, Tally, type Seeded } from './support.js';

const SEED = Number(process.env.BERTH_FUZZ_SEED ?? 0x5eed_b17e) >>> 0;
const SECONDS = Number(process.env.BERTH_FUZZ_SECONDS ?? 25);
const MAX_REQUESTS = Number(process.env.BERTH_FUZZ_REQUESTS ?? 3000);
const CONCURRENCY = 8;
/** Hostile credentials go out from other loopback addresses, so the login throttle they trip does not lock out the valid ones. */
const HOSTILE_ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

/** How to write a path for each /v2 route label; a label without one fails the test. */
const V2_TEMPLATES: Record<string, string> = {
  base: '/v2/',
  catalog: '/v2/_catalog',
  tags: '/v2/{name}/tags/list',
  manifest: '/v2/{name}/manifests/{reference}',
  'upload-start': '/v2/{name}/blobs/uploads/',
  upload: '/v2/{name}/blobs/uploads/{id}',
  blob: '/v2/{name}/blobs/{digest}',
  referrers: '/v2/{name}/referrers/{digest}',
};

interface Route {
  template: string;
  methods: string[];
}

function routes(): Route[] {
  const v2 = ociRoutes.map((route) => {
    const template = V2_TEMPLATES[route.label];
    assert.ok(template, `the fuzzer has no path template for the /v2 route "${route.label}"; add one to V2_TEMPLATES`);
    return { template, methods: Object.keys(route.methods) };
  });
  const api = Object.entries(openApiDocument.paths as Record<string, Record<string, unknown>>).map(([path, item]) => ({
    template: path,
    methods: Object.keys(item).filter((k) => k !== 'parameters').map((m) => m.toUpperCase()),
  }));
  const token = { template: '/token', methods: ['GET', 'POST'] };
  const ops = ['/healthz', '/readyz', '/metrics'].map((template) => ({ template, methods: ['GET'] }));
  // What docker search asks for (src/http/oci/search.ts): outside both tables above.
  const dockerSearch = ['/v1/search', '/v1/_ping'].map((template) => ({ template, methods: ['GET'] }));
  return [...v2, ...api, token, ...ops, ...dockerSearch];
}

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const chance = (rand: Rand, p: number) => rand() < p;

/** What the fuzzer knows exists, so some requests reach deep into real code paths. */
interface Known {
  seeded: Seeded;
  image: PushedImage;
  uploadId: string;
  adminBearer: string;
  devBearer: string;
  refreshToken: string;
}

const HOSTILE_NAMES = [
  '..', '%2e%2e', '../../etc/passwd', 'team/..%2f..%2fx', 'team%2Fapp', '%00', 'a\u0000b', '%ff%fe', 'ünïcödé/app', '💥/app',
  'UPPER/Case', 'team//app', '/team/app', 'team/app/', '-lead/x', 'a'.repeat(256), `${'a/'.repeat(150)}b`, 'x'.repeat(4000),
  ' ', 'team/app?x', 'team/app#frag', '_catalog', 'team/app/manifests/latest',
];
const HOSTILE_DIGESTS = [
  'sha256:', `sha256:${'g'.repeat(64)}`, `sha256:${'A'.repeat(64)}`, 'sha512:abc', 'md5:d41d8cd98f00b204e9800998ecf8427e', 'sha256:../../x',
  `sha256:${'0'.repeat(64)}`, `sha256:${'0'.repeat(63)}`, `sha256:${'0'.repeat(65)}`, 'sha256%3A00', '%00', 'latest', `${'sha256:'.repeat(200)}`,
];
const HOSTILE_SEGMENTS = ['..', '.', '%2e%2e', '%00', 'a'.repeat(300), '-', '💥', 'admin', 'robot$team+ci', 'robot%24team%2Bci', 'x\u0000y', '%ZZ', '*', '{name}'];
const QUERIES = [
  'n=-1', 'n=1e9', 'n=0', 'n=abc', 'n=99999999999999999999', 'last=', 'last=%00', 'last=zzzz', `last=${'a'.repeat(3000)}`, 'n=1&last=team%2Fapp',
  'digest=sha256:zz', 'digest=', 'mount=sha256:00&from=..', 'mount=&from=', 'scope=repository:team/app:pull', 'scope=repository:..:*',
  `scope=${'repository:a:pull,'.repeat(200)}`, 'service=berth&offline_token=true&client_id=x', 'format=jsonl', 'format=xml', 'limit=-5',
  'limit=1e9', 'since=yesterday', 'before=1e99', 'artifactType=%00', 'a=1&a=2&a=3', '%zz=%zz', '&&&', '=',
];
const BAD_AUTH = [
  `Bearer ${'x'.repeat(8000)}`,
  `Basic ${Buffer.from(`${'u'.repeat(10_000)}:pw`).toString('base64')}`,
  'Basic !!!not-base64!!!',
  `Basic ${Buffer.from('no-colon-here').toString('base64')}`,
  'Basic ',
  'Bearer',
  'Bearer a.b.c',
  'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.',
  'Digest username="admin"',
  `Basic ${Buffer.from('robot$:').toString('base64')}`,
  `Basic ${Buffer.from('dev:bpat_zz_').toString('base64')}`,
  `Basic ${Buffer.from('\u0000\u001b[31m:\u0000').toString('base64')}`,
];
const CONTENT_TYPES = [
  'application/json', 'application/octet-stream', 'application/vnd.oci.image.manifest.v1+json', 'text/html', 'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded', 'application/json; charset=utf-16', '', '\u0000',
];
const RANGES = ['bytes=9-1', 'bytes=-', 'bytes=0-99999999999999999999', 'items=1-2', 'bytes=0-0,1-1,2-2', 'bytes=-0', `bytes=${'0-1,'.repeat(500)}0-1`];
/** Well-formed JSON of the shapes the API reads, with values that are wrong, odd or dangerous. */
const JSON_BODIES = [
  '{"name":"fz","password":"x"}', '{"role":"admin"}', '{"visibility":"public"}', '{"dryRun":true}', '{"actions":["*"],"name":"x"}',
  '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[{}]}', '[]', 'null', '1e308',
  '"💥"', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"x":1}}}', '{"immutableTags":["a*a*a*a*b"]}',
  '{"name":"x","name":"y"}', '{"password":"aaaaaaaa","currentPassword":null}', `{"name":"${'n'.repeat(10_000)}"}`,
];
const METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND', 'BREW'];

function fill(rand: Rand, template: string, known: Known): string {
  const valid: Record<string, () => string> = {
    name: () => pick(rand, ['team/app', 'pub/app', 'team', 'pub', 'nope/app', 'dev', 'admin', 'other']),
    reference: () => pick(rand, ['latest', known.image.digest, 'v1']),
    digest: () => pick(rand, [known.image.digest, known.image.config.digest, known.image.layers[0]!.digest]),
    id: () => known.uploadId,
    user: () => pick(rand, ['dev', 'other', 'admin']),
    tag: () => pick(rand, ['latest', 'v1']),
  };
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    if (chance(rand, 0.5)) return (valid[key] ?? (() => 'x'))();
    if (key === 'digest' || key === 'reference') return pick(rand, [...HOSTILE_DIGESTS, ...HOSTILE_SEGMENTS]);
    if (key === 'name') return pick(rand, HOSTILE_NAMES);
    return pick(rand, HOSTILE_SEGMENTS);
  });
}

function body(rand: Rand): Buffer {
  switch (Math.floor(rand() * 8)) {
    case 0:
      return Buffer.alloc(0);
    case 1:
      return Buffer.from(Array.from({ length: Math.floor(rand() * 4096) }, () => Math.floor(rand() * 256)));
    case 2:
      return Buffer.from('{"name":"x","password":"aaaaaaaa","systemAdmin":tr');
    case 3: {
      const depth = 1000 + Math.floor(rand() * 29_000);
      return Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    }
    case 4:
      return Buffer.from(pick(rand, JSON_BODIES));
    case 5:
      return Buffer.from(new URLSearchParams({ grant_type: pick(rand, ['password', 'refresh_token', 'x']), username: 'dev', password: 'wrong', refresh_token: 'a.b.c' }).toString());
    case 6:
      return Buffer.from(`{"a":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`);
    default:
      return Buffer.from('\u0000'.repeat(100));
  }
}

interface Planned {
  data: Buffer;
  /** The body we send is shorter than the length we declare: the server may close without answering. */
  truncated: boolean;
  hostileCredential: boolean;
  describe: string;
  checkEnvelope: boolean;
}

function plan(rand: Rand, all: Route[], known: Known): Planned {
  const route = pick(rand, all);
  const method = chance(rand, 0.75) ? pick(rand, route.methods) : pick(rand, METHODS);
  let path = fill(rand, route.template, known);
  if (chance(rand, 0.5)) path += `?${Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(rand, QUERIES)).join('&')}`;
  const headers: string[] = [`Host: 127.0.0.1`, 'Connection: close'];
  const credentials = [
    basicOf(ADMIN), basicOf(known.seeded.dev), basicOf({ username: 'dev', password: known.seeded.devPat }), basicOf(known.seeded.robot),
    `Bearer ${known.adminBearer}`, `Bearer ${known.devBearer}`, `Bearer ${known.refreshToken}`, `Bearer ${known.seeded.devPat}`,
  ];
  let hostileCredential = false;
  const auth = rand();
  if (auth < 0.45) headers.push(`Authorization: ${pick(rand, credentials)}`);
  else if (auth < 0.7) {
    headers.push(`Authorization: ${pick(rand, BAD_AUTH)}`);
    hostileCredential = true;
  }
  const payload = method === 'GET' || method === 'HEAD' ? (chance(rand, 0.1) ? body(rand) : Buffer.alloc(0)) : body(rand);
  if (chance(rand, 0.7)) headers.push(`Content-Type: ${pick(rand, CONTENT_TYPES)}`);
  if (chance(rand, 0.15)) headers.push(`Range: ${pick(rand, RANGES)}`);
  if (chance(rand, 0.1)) headers.push(`Content-Range: ${pick(rand, ['0-', '5-1', 'bytes 0-10/*', '-1--1', `0-${2 ** 60}`])}`);
  if (chance(rand, 0.05)) headers.push(`Accept: ${'application/x-ndjson,'.repeat(50)}*/*`);
  // The framing: honest, a lie shorter than the body, a lie longer than the body, or chunked.
  let truncated = false;
  let framed = payload;
  const framing = rand();
  if (framing < 0.7) headers.push(`Content-Length: ${payload.length}`);
  else if (framing < 0.8) headers.push(`Content-Length: ${Math.floor(payload.length / 2)}`);
  else if (framing < 0.87) {
    headers.push(`Content-Length: ${payload.length + 1 + Math.floor(rand() * 10_000)}`);
    truncated = true;
  } else if (framing < 0.95) {
    headers.push('Transfer-Encoding: chunked');
    framed = Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from(payload.length > 0 ? '\r\n0\r\n\r\n' : '\r\n')]);
  } else headers.push(`Content-Length: ${pick(rand, ['-1', 'abc', '1e3', '0x10', ' 5', '99999999999999999999'])}`);
  const head = `${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`;
  const checkEnvelope = method !== 'HEAD' && (path.startsWith('/v2') || path.startsWith('/api/v1'));
  const shown = `${method} ${path.slice(0, 160)}${path.length > 160 ? '…' : ''} [${headers.slice(2).map((h) => h.slice(0, 60)).join(' | ')}] body=${payload.length}B`;
  return { data: Buffer.concat([Buffer.from(head, 'utf8'), framed]), truncated, hostileCredential, describe: shown, checkEnvelope };
}

let server: RegistryProcess;
let known: Known;

before(async () => {
  server = await startGuardedBerth();
  const seeded = await seedAccounts(server);
  const admin = withHeaders(client(server.url), { authorization: basicOf(ADMIN) });
  const image = await pushImage(admin, 'team/app', 'latest');
  const upload = await admin.post('/v2/team/app/blobs/uploads/');
  const uploadId = (upload.headers.get('location') ?? '').split('/').pop()?.split('?')[0] ?? 'none';
  const token = async (auth: string, query: string) => json<{ token: string; refresh_token?: string }>(await client(server.url).get(`/token?service=berth&${query}`, { headers: { authorization: auth } }));
  const adminToken = await token(basicOf(ADMIN), 'scope=repository:team/app:pull,push,delete&scope=repository:pub/app:pull&offline_token=true&client_id=fuzz');
  const offline = json<{ refresh_token?: string }>(await offlineLogin(client(server.url), `${server.url}/token`, ADMIN, ['repository:team/app:pull']));
  const devToken = await token(basicOf(seeded.dev), 'scope=repository:team/app:pull,push');
  known = { seeded, image, uploadId, adminBearer: adminToken.token, devBearer: devToken.token, refreshToken: offline.refresh_token ?? 'none' };
});

after(async () => {
  await server?.stop();
});

test(`seeded fuzz of every /v2, /token and /api/v1 route (seed ${SEED})`, async () => {
  const rand = seededRandom(SEED);
  const all = routes();
  assert.ok(all.length >= 30, `only ${all.length} routes found; did the route enumeration break?`);
  // Planned up front from the seed alone, so a replay sends the same requests whatever the timing.
  const planned = Array.from({ length: MAX_REQUESTS }, () => plan(rand, all, known));
  const tally = new Tally();
  const failures: string[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  let hostileTurn = 0;
  await pool(planned, CONCURRENCY, async (request) => {
    if (Date.now() > deadline || failures.length >= 20) return;
    const localAddress = request.hostileCredential ? HOSTILE_ADDRESSES[hostileTurn++ % HOSTILE_ADDRESSES.length] : '127.0.0.1';
    const outcome = await sendRaw(server, request.data, { endAfterWrite: request.truncated, localAddress, timeoutMs: 20_000 });
    if (outcome.kind === 'answer') {
      tally.add(outcome.status);
      const text = outcome.body.toString('utf8');
      if (outcome.status >= 500) failures.push(`${outcome.status} for ${request.describe}: ${text.slice(0, 300)}`);
      else if (outcome.status >= 400 && request.checkEnvelope && !isEnvelope(text)) {
        failures.push(`${outcome.status} without the error envelope for ${request.describe}: ${JSON.stringify(text.slice(0, 200))}`);
      }
    } else {
      tally.add(outcome.kind);
      if (!request.truncated) failures.push(`${outcome.kind} for ${request.describe}; received ${JSON.stringify(outcome.received)}`);
    }
  });
  const table = tally.table(`fuzz seed ${SEED} (replay with BERTH_FUZZ_SEED=${SEED})`);
  console.log(table);
  assert.ok(tally.total() >= 100, `only ${tally.total()} requests went out in ${SECONDS} s; the run says little\n${table}`);
  assert.deepEqual(failures, [], `${failures.length} bad answers; replay with BERTH_FUZZ_SEED=${SEED}\n${table}\n${server.output().slice(-2000)}`);
  await assertHealthy(server, `after fuzzing with seed ${SEED}`);
});
