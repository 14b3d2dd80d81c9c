import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../support/test-server.js';
import { client, expectError, expectStatus, json } from '../support/http-client.js';
import { startApiServer } from './api-support.js';

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, unknown> };
}

const apiSources = new URL('../../../../src/http/api/', import.meta.url);

/** Every route the API files register, as `METHOD /path/{param}`. */
function registeredRoutes(): string[] {
  const routes: string[] = [];
  for (const file of readdirSync(apiSources).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const text = readFileSync(new URL(file, apiSources), 'utf8');
    for (const match of text.matchAll(/app\.(get|post|put|patch|delete)\(\s*'(\/api\/v1[^']*)'/g)) {
      routes.push(`${match[1]!.toUpperCase()} ${match[2]!.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes.sort();
}

let server: TestServer;
let doc: OpenApi;
before(async () => {
  server = await startApiServer();
  const reply = await client(server.url).get('/api/v1/openapi.json');
  expectStatus(reply, 200);
  doc = json<OpenApi>(reply);
});
after(() => server.close());

test('the document is OpenAPI 3.1 and served without credentials', () => {
  assert.equal(doc.openapi, '3.1.0');
});

test('every registered /api/v1 route is described, and nothing else', () => {
  const routes = registeredRoutes();
  assert.ok(routes.length >= 20, `found only ${routes.length} routes; did the scan break?`);
  const described = Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((k) => k !== 'parameters').map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
  assert.deepEqual(described, routes);
});

test('every $ref points at a component that exists', () => {
  const text = JSON.stringify(doc);
  const refs = new Set([...text.matchAll(/"\$ref":"#\/components\/(schemas|responses)\/(\w+)"/g)].map((m) => `${m[1]}/${m[2]}`));
  assert.ok(refs.size > 10);
  for (const ref of refs) {
    const [kind, name] = ref.split('/') as ['schemas' | 'responses', string];
    assert.ok(doc.components[kind][name], `missing component ${ref}`);
  }
});

test('without built-in auth there is no management API', async () => {
  const open = await startTestServer();
  try {
    expectError(await client(open.url).get('/api/v1/me'), 404, 'NOT_FOUND');
    expectError(await client(open.url).get('/api/v1/openapi.json'), 404, 'NOT_FOUND');
  } finally {
    await open.close();
  }
});
