/**
 * What Berth loads at start (issue 14: an idle embedded `berth serve` was 117 MB, a third of
 * it modules the configuration never used, and `berth --version` or `berth gc --help` loaded the
 * whole server). Each process here runs with a preload that records every module it resolves;
 * the tests name the packages and source directories that must stay out of a start, and check
 * the recorder on starts that do need them (a test that cannot see an import would pass anyway).
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { berth } from '../cli/cli-support.js';
import { startBerth } from '../support/registry-process.js';

const preload = pathToFileURL(fileURLToPath(new URL('./support/record-imports.js', import.meta.url))).href;

/** Packages only a configuration that asks for them may load: S3, PostgreSQL, the WASM hash. */
const OPTIONAL_PACKAGES = ['@aws-sdk/client-s3', '@aws-sdk/s3-request-presigner', 'pg', 'hash-wasm'];
/** What serving needs and a one-shot command's help or version must not load. */
const SERVER_PACKAGES = ['fastify', 'kysely', 'better-sqlite3', 'pino', ...OPTIONAL_PACKAGES];

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'berth-start-cost-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let runs = 0;
/** A fresh log file and the environment that makes the process write to it. */
function recorder(): { env: Record<string, string>; read(): Promise<string[]> } {
  const log = join(scratch, `imports-${++runs}.log`);
  return {
    env: { NODE_OPTIONS: `--import=${preload}`, BERTH_TEST_IMPORT_LOG: log },
    read: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean),
  };
}

/** The npm packages among the URLs, by name (`@scope/name` or `name`). */
function packagesOf(urls: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const url of urls) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (match) names.add(match[1]!);
  }
  return names;
}

/** Berth's own modules among the URLs, as paths under dist/src (`http/app.js`). */
function sourcesOf(urls: readonly string[]): string[] {
  return urls.flatMap((url) => {
    const match = /\/dist\/src\/(.+)$/.exec(url);
    return match ? [match[1]!] : [];
  });
}

test('an idle embedded berth serve (SQLite, filesystem) loads neither the AWS SDK, node-postgres nor hash-wasm', async () => {
  const imports = recorder();
  const registry = await startBerth({ env: imports.env });
  try {
    const response = await fetch(`${registry.url}/v2/`);
    assert.equal(response.status, 200);
  } finally {
    await registry.stop();
  }
  const urls = await imports.read();
  const packages = packagesOf(urls);
  assert.ok(packages.has('fastify') && packages.has('better-sqlite3'), `the recorder saw the server's own packages: ${[...packages].join(', ')}`);
  assert.deepEqual(OPTIONAL_PACKAGES.filter((name) => packages.has(name)), []);
  assert.deepEqual(sourcesOf(urls).filter((path) => /(^|\/)(s3-|postgres-|wasm-)/.test(path)), []);
});

test('a config with storage.s3 loads the AWS SDK, and one with database.url loads node-postgres (the recorder sees them)', async () => {
  const configs = {
    s3: ['storage:', `  filesystem: { rootdirectory: ${join(scratch, 's3-root')} }`, '  s3:', '    region: us-east-1', '    regionendpoint: http://127.0.0.1:1', '    bucket: nothing-listens', '    accesskey: a', '    secretkey: b'],
    pg: ['storage:', `  filesystem: { rootdirectory: ${join(scratch, 'pg-root')} }`, 'database:', '  url: postgres://berth@127.0.0.1:1/berth', '  connecttimeout: 2s'],
  };
  for (const [kind, lines] of Object.entries(configs)) {
    const file = join(scratch, `${kind}.yml`);
    await writeFile(file, ['version: 0.1', ...lines, 'auth: { none: {} }', ''].join('\n'));
    const imports = recorder();
    // Nothing listens on port 1: the start fails once the adapter is loaded, which is all this needs.
    const result = await berth(undefined, ['serve', '--config', file], undefined, { env: { ...imports.env, REGISTRY_HTTP_ADDR: '127.0.0.1:0' }, timeoutMs: 60_000 });
    assert.equal(result.code, 1, `${kind}: the start fails: ${result.stderr}`);
    const packages = packagesOf(await imports.read());
    assert.ok(packages.has(kind === 's3' ? '@aws-sdk/client-s3' : 'pg'), `${kind}: loaded ${[...packages].join(', ')}`);
  }
});

test('berth --version and berth gc --help load no server, database or storage module', async () => {
  for (const args of [['--version'], ['gc', '--help'], ['user', 'add', '--help']]) {
    const imports = recorder();
    const result = await berth(join(scratch, 'unused'), args, undefined, { env: imports.env });
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    const urls = await imports.read();
    assert.ok(sourcesOf(urls).includes('cli/command-table.js'), `the recorder saw the CLI: ${urls.length} modules`);
    assert.deepEqual(SERVER_PACKAGES.filter((name) => packagesOf(urls).has(name)), [], args.join(' '));
    assert.deepEqual(sourcesOf(urls).filter((path) => /^(http|compose|adapters)\//.test(path)), [], args.join(' '));
  }
});

test('berth gc runs the collector without loading the HTTP server', async () => {
  const root = join(scratch, 'gc-root');
  const imports = recorder();
  const result = await berth(root, ['gc', '--json'], undefined, { env: imports.env });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(JSON.parse(result.stdout), 'gc printed its report');
  const urls = await imports.read();
  assert.ok(sourcesOf(urls).includes('compose/compose-lifecycle.js'), 'the recorder saw the collector');
  assert.deepEqual(['fastify', ...OPTIONAL_PACKAGES].filter((name) => packagesOf(urls).has(name)), []);
  assert.deepEqual(sourcesOf(urls).filter((path) => path.startsWith('http/') || path === 'cli/serve-process.js'), []);
});
