// `berth policy|quota|usage|retention` as an operator runs them: the published entry point in
// separate processes, on the data directory of a server that clients push to over HTTP.
import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { formatBytes } from '../../src/core/lifecycle/quota.js';
import type { RetentionReport } from '../../src/core/lifecycle/retention.js';
import type { ProjectUsageView } from '../../src/core/lifecycle/storage-admin.js';
import { descriptorOf, imageManifest, OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, randomBlob, sha256 } from '../http/support/content.js';
import { client, type Client } from '../http/support/http-client.js';
import { pushImage, type PushedImage } from '../http/support/push.js';
import { startServerOnRoot, type ServerOnRoot } from '../http/support/server-on-root.js';
import { berth, tempRoot } from './cli-support.js';

let data: { root: string; remove(): Promise<void> };
let server: ServerOnRoot;
let c: Client;

before(async () => {
  data = await tempRoot();
  // The server's config (test/support/test-server.ts) keeps its SQLite file at ROOT/berth.db,
  // where the CLI finds it from REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY.
  server = await startServerOnRoot(data.root);
  c = client(server.url);
});
after(async () => {
  await server.stop();
  await data.remove();
});

const run = (args: string[]) => berth(data.root, args);

async function ok(args: string[]): Promise<string> {
  const result = await run(args);
  assert.equal(result.code, 0, `berth ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** What an image occupies: its distinct blobs and its manifest body. */
function sizeOf(image: PushedImage): number {
  return image.config.size + image.layers.reduce((sum, l) => sum + l.size, 0) + image.body.length;
}

async function tags(repository: string): Promise<string[]> {
  const reply = await c.get(`/v2/${repository}/tags/list`);
  assert.equal(reply.status, 200, reply.text);
  return ((JSON.parse(reply.text) as { tags: string[] | null }).tags ?? []).sort();
}

test('quota set and show; bad sizes and names are refused before anything changes', async () => {
  assert.equal(await ok(['quota', 'set', 'qa', '10GiB']), 'quota of project qa is now 10.0 GiB (10737418240 bytes)\n');
  assert.equal(await ok(['quota', 'show', 'qa']), 'project qa\n  quota: 10.0 GiB (10737418240 bytes)\n  used:  0 B (0.0%)\n');
  assert.equal(await ok(['quota', 'set', 'qa', '500MiB']), 'quota of project qa is now 500.0 MiB (524288000 bytes)\n');

  for (const size of ['lots', '0', '1.5XB']) {
    const bad = await run(['quota', 'set', 'qa', size]);
    assert.equal(bad.code, 1, size);
    assert.equal(bad.stderr, `berth quota: "${size}" is not a quota: give a size such as 10GiB or 500MiB, or none\n`);
  }
  const nested = await run(['quota', 'set', 'qa/app', '1GiB']);
  assert.equal(nested.code, 1);
  assert.match(nested.stderr, /invalid project name "qa\/app": a project is one name component/);
  const missing = await run(['quota', 'set', 'qa']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^berth quota: missing argument\nUsage:\n {2}berth quota set PROJECT SIZE\|none/);
  assert.equal((await run(['quota', 'frobnicate', 'qa'])).code, 2);
  assert.match(await ok(['quota', 'show', 'qa']), /quota: 500\.0 MiB \(524288000 bytes\)/, 'the refusals changed nothing');

  assert.equal(await ok(['quota', 'set', 'qa', 'none']), 'removed the quota of project qa\n');
  assert.equal(await ok(['quota', 'show', 'qa']), 'project qa\n  quota: none\n  used:  0 B\n');
});

test('usage shows what was pushed over HTTP, per project and per repository', async () => {
  const app = await pushImage(c, 'stats/app', 'v1', { layerCount: 2 });
  const lib = await pushImage(c, 'stats/lib', 'v1');
  const total = sizeOf(app) + sizeOf(lib);

  const view = JSON.parse(await ok(['usage', 'stats', '--json'])) as ProjectUsageView;
  assert.equal(view.usedBytes, total);
  assert.deepEqual(view.usage, { blobs: 5, blobBytes: total - app.body.length - lib.body.length, manifests: 2, manifestBytes: app.body.length + lib.body.length });
  assert.deepEqual(
    view.repositories.map((r) => [r.repository, r.blobBytes + r.manifestBytes, r.manifests, r.blobs]),
    [
      ['stats/app', sizeOf(app), 1, 3],
      ['stats/lib', sizeOf(lib), 1, 2],
    ],
  );

  const human = await ok(['usage', 'stats']);
  const lines = human.trimEnd().split('\n');
  assert.equal(lines[0], `project stats: ${formatBytes(total)} used (no quota); 2 manifest(s), 5 blob(s)`);
  assert.match(lines[2]!, /^REPOSITORY +USED +MANIFESTS +BLOBS$/);
  assert.match(lines[3]!, new RegExp(`^stats/app +${formatBytes(sizeOf(app))} +1 +3$`));
  assert.match(lines[4]!, new RegExp(`^stats/lib +${formatBytes(sizeOf(lib))} +1 +2$`));

  assert.equal(await ok(['quota', 'set', 'stats', '1MiB']), 'quota of project stats is now 1.0 MiB (1048576 bytes)\n');
  const all = await ok(['usage']);
  assert.match(all, /^PROJECT +USED +QUOTA +USED% +MANIFESTS +BLOBS\n/);
  const percent = `${((total / 1048576) * 100).toFixed(1)}%`;
  assert.match(all, new RegExp(`\\nstats +${formatBytes(total)} +1\\.0 MiB +${percent.replace('.', '\\.')} +2 +5\\n`));
  const allJson = JSON.parse(await ok(['usage', '--json'])) as Array<Omit<ProjectUsageView, 'repositories'>>;
  assert.deepEqual(
    allJson.find((p) => p.project === 'stats'),
    { project: 'stats', usedBytes: total, quotaBytes: 1048576, usage: view.usage },
  );
  assert.match(await ok(['quota', 'show', 'stats']), new RegExp(`used: {2}${formatBytes(total)} \\(${percent.replace('.', '\\.')}\\)`));

  // A quota below what the project holds: the CLI warns, and the running server refuses the next push.
  const tight = await run(['quota', 'set', 'stats', '1KiB']);
  assert.equal(tight.code, 0, tight.stderr);
  assert.match(tight.stderr, new RegExp(`warning: project stats already holds ${formatBytes(total)}, more than the quota`));
  assert.equal(await refusedPush('stats/app'), 403);
  assert.equal(await ok(['quota', 'set', 'stats', 'none']), 'removed the quota of project stats\n');

  assert.equal((await run(['usage', 'stats', 'extra'])).code, 2);
});

/** Pushes a fresh image step by step; resolves to the status of the first step refused. */
async function refusedPush(repository: string): Promise<number> {
  const config = Buffer.from(JSON.stringify({ nonce: randomBlob(8).toString('hex') }));
  const layer = randomBlob(2048);
  for (const bytes of [config, layer]) {
    const reply = await c.post(`/v2/${repository}/blobs/uploads/?digest=${sha256(bytes)}`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    if (reply.status !== 201) return reply.status;
  }
  const body = imageManifest({ config: descriptorOf(OCI_CONFIG, config), layers: [descriptorOf(OCI_LAYER, layer)] });
  const reply = await c.put(`/v2/${repository}/manifests/over`, { headers: { 'content-type': OCI_MANIFEST }, body });
  return reply.status;
}

test('retention: set, show, a dry run, then a real run removing exactly what it listed', async () => {
  // Pushed one after another so each tag has its own push time.
  for (const tag of ['keep-1', 'v1', 'v2', 'v3']) {
    await pushImage(c, 'ret/app', tag);
    await sleep(20);
  }
  for (const tag of ['a', 'b']) await pushImage(c, 'ret/lib', tag);

  assert.equal(
    await ok(['retention', 'set', 'ret', 'keep-matching=keep-*', 'keep-newest=1@ret/app']),
    'retention rules of project ret, in order:\n  1. keep-matching keep-*\n  2. keep-newest 1 in ret/app\n',
  );
  assert.equal(await ok(['retention', 'show', 'ret']), 'retention rules of project ret, in order:\n  1. keep-matching keep-*\n  2. keep-newest 1 in ret/app\n');

  const badRule = await run(['retention', 'set', 'ret', 'keep-newest=0']);
  assert.equal(badRule.code, 1);
  assert.equal(badRule.stderr, 'berth retention: count must be a whole number from 1 to 100000\n');
  const badText = await run(['retention', 'set', 'ret', 'newest']);
  assert.equal(badText.code, 1);
  assert.match(badText.stderr, /"newest" is not a rule; write KIND=VALUE\[@REPOSITORIES\]/);
  assert.equal((await run(['retention', 'set', 'ret'])).code, 2, 'no rules and no --clear');
  assert.equal((await run(['retention', 'set', 'ret', '--clear', 'keep-newest=1'])).code, 2, 'both');
  assert.equal((await run(['retention', 'run'])).code, 2);

  const dryHuman = await ok(['retention', 'run', 'ret', '--dry-run']);
  assert.equal(
    dryHuman,
    [
      'REPOSITORY  REFERENCE  RULE',
      'ret/app     v2         2. keep-newest 1 in ret/app',
      'ret/app     v1         2. keep-newest 1 in ret/app',
      '',
      'Per rule:',
      '  1. keep-matching keep-*: protects; removes nothing itself',
      '  2. keep-newest 1 in ret/app: would remove 2',
      '',
      'Dry run: would remove 2 tag(s) and 0 untagged manifest(s) in 2 repositories of project ret; nothing was changed.',
      '',
    ].join('\n'),
  );
  const dry = JSON.parse(await ok(['retention', 'run', 'ret', '--dry-run', '--json'])) as RetentionReport;
  assert.equal(dry.dryRun, true);
  assert.deepEqual(dry.removed.map((r) => `${r.repository}:${r.tag}`), ['ret/app:v2', 'ret/app:v1']);
  assert.deepEqual(await tags('ret/app'), ['keep-1', 'v1', 'v2', 'v3'], 'a dry run removes nothing');

  // With deletes disabled only the dry run is possible (the same data, through --config).
  const noDeletes = join(data.root, 'no-deletes.yml');
  await writeFile(noDeletes, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${data.root}\n  delete:\n    enabled: false\n`);
  const refused = await berth(undefined, ['retention', 'run', 'ret', '--config', noDeletes]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr, 'berth retention: deletes are disabled on this registry; only a dry run is possible\n');

  const real = JSON.parse(await ok(['retention', 'run', 'ret', '--json'])) as RetentionReport;
  assert.equal(real.dryRun, false);
  assert.deepEqual(real.removed, dry.removed, 'the real run removes exactly what the dry run listed');
  assert.deepEqual(real.skipped, []);
  assert.deepEqual(real.rules, dry.rules);
  assert.deepEqual(await tags('ret/app'), ['keep-1', 'v3']);
  assert.deepEqual(await tags('ret/lib'), ['a', 'b'], 'the rule is scoped to ret/app');

  const again = await ok(['retention', 'run', 'ret']);
  assert.match(again, /^Per rule:\n {2}1\. keep-matching keep-\*: protects; removes nothing itself\n {2}2\. keep-newest 1 in ret\/app: removed 0\n\nRemoved 0 tag\(s\)/);

  const audited = await ok(['audit', '--json', '--action', 'retention.run', '--repository', 'ret']);
  const events = audited.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(events.map((e) => [e.actor, e.result, e.detail]), [
    ['cli', 'success', 'removed=0 skipped=0'],
    ['cli', 'success', 'removed=2 skipped=0'],
  ]);

  assert.equal(await ok(['retention', 'set', 'ret', '--clear']), 'project ret has no retention rules\n');
  assert.equal(await ok(['retention', 'run', 'ret', '--dry-run']), 'project ret has no retention rules; nothing to do\n');
});

test('policy show includes quota and retention; every change is audited (quota-only changes as quota.set)', async () => {
  assert.equal(
    await ok(['policy', 'set', 'pol', '--write', 'disallow-redeploy', '--immutable', 'v*, rel-?']),
    [
      'project pol',
      '  write policy:   disallow-redeploy',
      '  immutable tags: v*, rel-?',
      '  quota:          none',
      '  retention:      (none)',
      '',
    ].join('\n'),
  );
  await ok(['quota', 'set', 'pol', '2GiB']);
  await ok(['retention', 'set', 'pol', 'keep-newest=10', 'untagged-older-than=7d@pol/ci-*']);
  assert.equal(
    await ok(['policy', 'show', 'pol']),
    [
      'project pol',
      '  write policy:   disallow-redeploy',
      '  immutable tags: v*, rel-?',
      '  quota:          2.0 GiB (2147483648 bytes)',
      '  retention:      1. keep-newest 10',
      '                  2. untagged-older-than 7d in pol/ci-*',
      '',
    ].join('\n'),
  );
  // An option left out keeps its value; --immutable '' clears the patterns.
  assert.match(await ok(['policy', 'set', 'pol', '--immutable', '']), /write policy: {3}disallow-redeploy\n {2}immutable tags: \(none\)\n {2}quota: {10}2\.0 GiB/);

  const badWrite = await run(['policy', 'set', 'pol', '--write', 'sometimes']);
  assert.equal(badWrite.code, 1);
  assert.equal(badWrite.stderr, 'berth policy: unknown write policy "sometimes"; use allow-redeploy, disallow-redeploy, read-only\n');
  const badPattern = await run(['policy', 'set', 'pol', '--immutable', 'v*,a/b']);
  assert.equal(badPattern.code, 1);
  assert.match(badPattern.stderr, /"a\/b" is not a tag pattern/);
  assert.equal((await run(['policy', 'set', 'pol'])).code, 2);

  const audited = await ok(['audit', '--json', '--action', 'policy.set', '--repository', 'pol']);
  const events = audited.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(events.map((e) => [e.actor, e.action, e.result, e.repository, e.detail]), [
    ['cli', 'policy.set', 'success', 'pol', 'immutable='],
    ['cli', 'policy.set', 'success', 'pol', 'retention=keep-newest 10;untagged-older-than 7d in pol/ci-*'],
    ['cli', 'policy.set', 'success', 'pol', 'write=disallow-redeploy immutable=v*,rel-?'],
  ]);
  // A change of the quota alone is audited as quota.set, as its refusals are.
  const quotaEvents = (await ok(['audit', '--json', '--action', 'quota.set', '--repository', 'pol'])).trimEnd().split('\n');
  assert.deepEqual(quotaEvents.map((l) => (JSON.parse(l) as Record<string, unknown>).detail), ['quota=2147483648']);
  assert.match(await ok(['audit', '--limit', '1', '--action', 'policy.set']), /\n\S+ \S+ +cli +policy\.set +success +pol +immutable=\n$/);
});

test('help: the new commands are listed and explain themselves', async () => {
  const help = await ok(['--help']);
  for (const line of [/berth quota set\|show/, /berth usage \[PROJECT\] \[--json\]/, /berth retention set\|show\|run/, /show them with its quota and retention rules/]) {
    assert.match(help, line);
  }
  assert.match(await ok(['retention', '--help']), /keep-newest=N +remove tags beyond the N most recently pushed/);
  assert.match(await ok(['usage', '--help']), /^Usage:\n {2}berth usage \[--json\]/);
});
