/**
 * `berth migrate --to CONFIG`: an embedded registry (SQLite + blob tree) with 200 images, a user,
 * a project with an immutable-tag policy, copied into a fresh PostgreSQL database and a Ceph RGW
 * bucket. The first run is killed (-9) in the middle of the blobs and run again; then a
 * `berth serve` on the new stack serves every tag byte-identical, the user still signs in, the
 * policy still refuses, and the audit log goes on. A registry being served is refused unless
 * --online, and a finished migration re-run moves nothing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { FilesystemBlobStore } from '../../src/adapters/blob/filesystem-blob-store.js';
import { openSqlite } from '../../src/adapters/metadata/sqlite-database.js';
import { createScratchDatabase, type ScratchDatabase } from '../../src/adapters/metadata/testing/postgres-scratch.js';
import { COPIED_TABLES } from '../../src/adapters/metadata/table-transfer.js';
import { Registry } from '../../src/core/registry/registry.js';
import { useRgw, type Rgw } from '../support/ceph-rgw.js';
import { berthCli, startBerth, type RegistryProcess } from '../support/registry-process.js';
import { berth, tempRoot } from './cli-support.js';

const IMAGES = 200;
const REPOSITORIES = 20;
const PASSWORD = 'migrate-Pass-4-alice';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

interface Image {
  repository: string;
  tag: string;
  body: Buffer;
  blobs: Array<{ digest: string; size: number }>;
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** 200 images pushed through the core registry onto the source's own stores (fast, no HTTP). */
async function seed(root: string): Promise<Image[]> {
  const stores = openSqlite({ path: join(root, 'berth.db'), synchronous: 'normal' });
  await stores.metadata.migrate();
  const blobs = new FilesystemBlobStore({ root });
  const registry = new Registry({ blobs, metadata: stores.metadata, deleteEnabled: true, maxManifestBytes: 4 << 20, now: () => new Date() });
  const images: Image[] = [];
  try {
    for (let i = 0; i < IMAGES; i++) {
      const repository = `team/app-${i % REPOSITORIES}`;
      // A few large layers, so the blob phase is long enough to be killed in the middle.
      const layer = randomBytes(i % 25 === 0 ? 3 << 20 : 2048 + i);
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', n: i }));
      const descriptors = [];
      for (const bytes of [config, layer]) {
        const digest = sha256(bytes);
        await registry.uploads.monolithic(repository, digest, Readable.from([bytes]));
        descriptors.push({ digest, size: bytes.length });
      }
      const body = Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...descriptors[0]! },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...descriptors[1]! }],
      }));
      const tag = `v${i}`;
      await registry.manifests.put(repository, tag, body, OCI_MANIFEST);
      images.push({ repository, tag, body, blobs: descriptors });
    }
  } finally {
    await stores.close();
  }
  return images;
}

async function countRows(query: (sql: string) => Promise<number>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of COPIED_TABLES) counts[table] = await query(`select count(*) as n from ${table}`);
  return counts;
}

/** Runs `berth migrate` until it has printed `killAt` (then kill -9), or to its end. */
function migrate(env: Record<string, string>, args: string[], killAt?: RegExp): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [berthCli, 'migrate', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (killAt !== undefined && killAt.test(stderr)) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('berth migrate into PostgreSQL + S3', () => {
  let source: Awaited<ReturnType<typeof tempRoot>>;
  let destination: Awaited<ReturnType<typeof tempRoot>>;
  let database: ScratchDatabase;
  let rgw: Rgw;
  let bucket: string;
  let images: Image[];
  let destConfig: string;
  let sourceCounts: Record<string, number>;
  let served: RegistryProcess | undefined;
  const env = (): Record<string, string> => {
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('REGISTRY_') && !k.startsWith('BERTH_')) clean[k] = v;
    return { ...clean, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: source.root };
  };

  before(async () => {
    source = await tempRoot();
    destination = await tempRoot();
    rgw = await useRgw();
    bucket = await rgw.bucket('migrate');
    database = await createScratchDatabase('migrate');
    for (const args of [['project', 'add', 'team'], ['project', 'member', 'add', 'team', 'alice', 'maintainer'], ['policy', 'set', 'team', '--immutable', 'v*']]) {
      if (args[0] === 'project' && args[1] === 'member') {
        const user = await berth(source.root, ['user', 'add', 'alice', '--password-stdin'], `${PASSWORD}\n`);
        assert.equal(user.code, 0, user.stderr);
      }
      const result = await berth(source.root, args);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    }
    images = await seed(source.root);
    destConfig = join(destination.root, 'dest.yml');
    await writeFile(destConfig, [
      'version: 0.1',
      'storage:',
      `  filesystem: { rootdirectory: ${destination.root} }`,
      '  s3:',
      `    region: ${rgw.settings.region}`,
      `    regionendpoint: ${rgw.settings.endpoint}`,
      `    bucket: ${bucket}`,
      `    accesskey: ${rgw.settings.accessKey}`,
      `    secretkey: ${rgw.settings.secretKey}`,
      '    forcepathstyle: true',
      '    rootdirectory: /migrated',
      'database:',
      `  url: ${database.url}`,
      '',
    ].join('\n'));
    const sqlite = openSqlite({ path: join(source.root, 'berth.db') });
    sourceCounts = await sqlite.transfer.snapshot(async (reader) => {
      const counts: Record<string, number> = {};
      for (const table of COPIED_TABLES) counts[table] = await reader.count(table);
      return counts;
    });
    await sqlite.close();
  });

  after(async () => {
    await served?.stop({ keepData: true }).catch(() => undefined);
    await database?.drop();
    await rgw?.cleanup();
    await source?.remove();
    await destination?.remove();
  });

  it('is killed in the middle of the blobs, then continues where it stopped', async () => {
    const killed = await migrate(env(), ['--to', destConfig], /migrate: blobs [3-9]\d%/);
    assert.equal(killed.signal, 'SIGKILL', `it should have been killed mid-run:\n${killed.stderr}\n${killed.stdout}`);
    assert.doesNotMatch(killed.stderr, /metadata/, 'killed before the metadata phase');
    const pool = new pg.Pool({ connectionString: database.url });
    try {
      const { rows } = await pool.query('select count(*)::int as n from repositories');
      assert.equal(rows[0].n, 0, 'no metadata is imported before every blob is there');
    } finally {
      await pool.end();
    }

    const resumed = await migrate(env(), ['--to', destConfig, '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = JSON.parse(resumed.stdout) as { blobs: { total: number; copied: number; skipped: number; verified: number; missing: string[]; corrupt: string[] }; tables: Array<{ table: string; rows: number }> };
    assert.equal(summary.blobs.total, IMAGES * 2);
    assert.ok(summary.blobs.skipped + summary.blobs.verified > 0, `the second run skips what the first copied: ${JSON.stringify(summary.blobs)}`);
    assert.ok(summary.blobs.copied > 0 && summary.blobs.copied < IMAGES * 2, `and copies the rest: ${JSON.stringify(summary.blobs)}`);
    assert.equal(summary.blobs.copied + summary.blobs.skipped + summary.blobs.verified, IMAGES * 2);
    assert.deepEqual([summary.blobs.missing, summary.blobs.corrupt], [[], []]);
    assert.match(resumed.stderr, /migrate: blobs 100%/);
  });

  it('copied every row of every table', async () => {
    const pool = new pg.Pool({ connectionString: database.url });
    try {
      const counts = await countRows(async (text) => Number((await pool.query(text)).rows[0].n));
      assert.deepEqual(counts, sourceCounts);
      assert.ok(sourceCounts.manifests === IMAGES && sourceCounts.tags === IMAGES && sourceCounts.users! >= 1 && sourceCounts.audit_log! > 0);
    } finally {
      await pool.end();
    }
  });

  it('serves every tag byte-identical from berth serve on PostgreSQL + RGW; alice signs in; the policy holds; audit goes on', async () => {
    const server = await startBerth({
      root: destination.root,
      auth: 'builtin',
      env: {
        BERTH_DATABASE_URL: database.url,
        REGISTRY_STORAGE: 's3',
        REGISTRY_STORAGE_S3_REGION: rgw.settings.region,
        REGISTRY_STORAGE_S3_REGIONENDPOINT: rgw.settings.endpoint,
        REGISTRY_STORAGE_S3_BUCKET: bucket,
        REGISTRY_STORAGE_S3_ACCESSKEY: rgw.settings.accessKey,
        REGISTRY_STORAGE_S3_SECRETKEY: rgw.settings.secretKey,
        REGISTRY_STORAGE_S3_FORCEPATHSTYLE: 'true',
        REGISTRY_STORAGE_S3_ROOTDIRECTORY: '/migrated',
      },
    });
    served = server;
    const token = async (repository: string, actions: string, password = PASSWORD) => {
      const reply = await fetch(`${server.url}/token?service=berth&scope=repository:${repository}:${actions}`, {
        headers: { authorization: `Basic ${Buffer.from(`alice:${password}`).toString('base64')}` },
      });
      return { status: reply.status, token: reply.status === 200 ? ((await reply.json()) as { token: string }).token : '' };
    };
    assert.equal((await token('team/app-0', 'pull', 'wrong-password')).status, 401, 'a wrong password is still refused');
    const tokens = new Map<string, string>();
    for (let r = 0; r < REPOSITORIES; r++) {
      const granted = await token(`team/app-${r}`, 'pull,push');
      assert.equal(granted.status, 200, 'alice signs in with the password she had');
      tokens.set(`team/app-${r}`, granted.token);
    }
    for (const image of images) {
      const auth = { authorization: `Bearer ${tokens.get(image.repository)}` };
      const manifest = await fetch(`${server.url}/v2/${image.repository}/manifests/${image.tag}`, { headers: { ...auth, accept: OCI_MANIFEST } });
      assert.equal(manifest.status, 200, `${image.repository}:${image.tag}`);
      assert.ok(Buffer.from(await manifest.arrayBuffer()).equals(image.body), `${image.repository}:${image.tag} manifest bytes`);
      for (const blob of image.blobs) {
        // Blob GETs redirect to the bucket; fetch drops the Authorization header on the way.
        const reply = await fetch(`${server.url}/v2/${image.repository}/blobs/${blob.digest}`, { headers: auth });
        assert.equal(reply.status, 200, `${image.repository}@${blob.digest}`);
        const bytes = Buffer.from(await reply.arrayBuffer());
        assert.equal(bytes.length, blob.size);
        assert.equal(sha256(bytes), blob.digest);
      }
    }

    const pool = new pg.Pool({ connectionString: database.url });
    try {
      const before = (await pool.query('select count(*)::int as n, max(id)::int as top from audit_log')).rows[0] as { n: number; top: number };
      // v* is immutable in project team: moving v0 to another manifest is refused, as on the source.
      const first = images[0]!;
      const other = images[REPOSITORIES]!; // same repository, another manifest
      const put = await fetch(`${server.url}/v2/${first.repository}/manifests/${first.tag}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${tokens.get(first.repository)}`, 'content-type': OCI_MANIFEST },
        body: new Uint8Array(other.body),
      });
      const reply = (await put.json()) as { errors?: Array<{ code: string }> };
      assert.ok(put.status >= 400 && put.status < 500, `immutable tag moved: ${put.status} ${JSON.stringify(reply)}`);
      assert.ok(reply.errors?.[0]?.code, 'an OCI error envelope');
      const still = await fetch(`${server.url}/v2/${first.repository}/manifests/${first.tag}`, { headers: { authorization: `Bearer ${tokens.get(first.repository)}`, accept: OCI_MANIFEST } });
      assert.ok(Buffer.from(await still.arrayBuffer()).equals(first.body));
      // New audit events get new ids after the copied ones (the identity sequence moved on).
      let after = before;
      for (let attempt = 0; attempt < 50 && after.n <= before.n; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = (await pool.query('select count(*)::int as n, max(id)::int as top from audit_log')).rows[0] as typeof before;
      }
      assert.ok(after.n > before.n && after.top > before.top, `audit events are recorded after the migration: ${JSON.stringify({ before, after })}\n${server.output()}`);
    } finally {
      await pool.end();
    }
    await served.stop({ keepData: true });
    served = undefined;
  });

  it('refuses a source being served unless --online, which copies and says what the final pass needs; a re-run moves nothing', async () => {
    served = await startBerth({ root: source.root, auth: 'builtin' });
    const refused = await migrate(env(), ['--to', destConfig]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /a Berth has the source database open.*--online/s);
    const online = await migrate(env(), ['--to', destConfig, '--online']);
    assert.equal(online.code, 0, online.stderr);
    assert.match(online.stdout, /Blobs: 400 — copied 0 \(0 B\), already there 400/, 'nothing new to copy');
    assert.match(online.stdout, /final pass, stop the serving Berth, run this command again without --online/);
    await served.stop({ keepData: true });
    served = undefined;
    const final = await migrate(env(), ['--to', destConfig]);
    assert.equal(final.code, 0, final.stderr);
    assert.match(final.stdout, /Blobs: 400 — copied 0 \(0 B\), already there 400/);
  });

  it('refuses a destination that holds another registry', async () => {
    const other = await tempRoot();
    try {
      const result = await berth(other.root, ['migrate', '--to', destConfig]);
      // An empty source against our filled destination: never wipe a registry it did not write.
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stderr, /already holds a registry/);
    } finally {
      await other.remove();
    }
  });
});
