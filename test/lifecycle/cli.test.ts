// `berth rm`, `berth restore` and `berth gc` as a user runs them: separate processes on a data
// directory named by the environment, exit codes, stdout for results, stderr for progress.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { composeLifecycle } from '../../src/compose/compose-lifecycle.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { GcReport } from '../../src/core/lifecycle/gc-report.js';
import { checkBlobTree } from '../crash/support/store-check.js';
import { OCI_MANIFEST, sha256 } from './support/fixture.js';

const CLI = new URL('../../src/cli/', import.meta.url).pathname;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Restore window 1h unless `window` says otherwise (the collections below pass 0s to see past it). */
function berth(root: string, module: 'gc' | 'restore', fn: string, args: string[], window = '1h', grace = '1h'): Promise<Run> {
  const script = `import(${JSON.stringify(join(CLI, `${module}.js`))}).then((m) => m.${fn}(${JSON.stringify(args)})).then((code) => process.exit(code))`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root, BERTH_LIFECYCLE_RESTOREWINDOW: window, BERTH_LIFECYCLE_GC_GRACE: grace },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('berth rm / restore / gc', () => {
  let root: string;
  const images: Record<string, { digest: string; blobs: string[] }> = {};

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-cli-gc-'));
    for (const repository of ['cli/a', 'cli/b']) images[repository] = await pushOne(root, repository, 'v1');
  });
  after(() => rm(root, { recursive: true, force: true }));

  test('rm by tag, restore it, rm again; a dry run lists it and gc removes exactly that', async () => {
    const removed = await berth(root, 'restore', 'runRm', ['cli/a:v1']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /deleted cli\/a:v1/);
    const restored = await berth(root, 'restore', 'runRestore', ['cli/a:v1']);
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(restored.stdout.trim(), `restored cli/a:v1 -> ${images['cli/a']!.digest}`);
    assert.equal((await berth(root, 'restore', 'runRm', ['cli/a:v1'])).code, 0);

    assert.equal((JSON.parse((await berth(root, 'gc', 'runGc', ['--dry-run', '--grace', '0s', '--json'])).stdout) as GcReport).manifestsRemoved, 0, 'restorable');
    const dry = await berth(root, 'gc', 'runGc', ['--dry-run', '--grace', '0s', '--json'], '0s');
    assert.equal(dry.code, 0, dry.stderr);
    const planned = JSON.parse(dry.stdout) as GcReport;
    assert.equal(planned.dryRun, true);
    assert.deepEqual(planned.repositories.map((r) => [r.repository, r.manifests]), [['cli/a', [images['cli/a']!.digest]]]);
    assert.deepEqual(planned.blobs.map((b) => b.digest), [...images['cli/a']!.blobs].sort());

    const real = await berth(root, 'gc', 'runGc', ['--grace', '0s'], '0s');
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /^REPOSITORY\s+MANIFESTS\s+BLOBS\s+BYTES\s+REMOVED\ncli\/a\s+1\s+2\s/);
    assert.match(real.stdout, /removed 1 manifest\(s\), 2 blob\(s\)/);
    assert.match(real.stderr, /^gc: mark /m, 'plain progress lines when stderr is not a terminal');
    assert.match(real.stderr, /^gc: blobs 2\/2, freed /m);
    const tree = await checkBlobTree(root);
    assert.deepEqual([...tree.digests].sort(), [...images['cli/b']!.blobs].sort());
  });

  test('rm of a repository and restore --list; bad usage exits 2, a refusal exits 1', async () => {
    const removed = await berth(root, 'restore', 'runRm', ['cli/b']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /deleted repository cli\/b: 1 tag\(s\)/);
    const listed = await berth(root, 'restore', 'runRestore', ['--list', 'cli/b']);
    assert.match(listed.stdout, new RegExp(`^v1\t${images['cli/b']!.digest}\tdeleted `));
    assert.equal((await berth(root, 'restore', 'runRestore', ['--list', 'cli/b'], '0s')).stdout.trim(), '(none)');
    assert.equal((await berth(root, 'gc', 'runGc', ['--grace', 'soon'])).code, 2);
    assert.equal((await berth(root, 'gc', 'runGc', ['--bogus'])).code, 2);
    const missing = await berth(root, 'restore', 'runRestore', ['cli/b:nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no deleted tag/);
    const gc = await berth(root, 'gc', 'runGc', ['--grace', '0s', '--json'], '0s');
    const report = JSON.parse(gc.stdout) as GcReport;
    assert.equal(report.repositoriesRemoved, 1);
    assert.deepEqual((await checkBlobTree(root)).digests.size, 0);
  });
});

/** `berth gc ARGS` on a terminal (a pseudo-terminal from script(1)), answering `answer` to its question. */
function berthOnTerminal(root: string, args: string[], answer: string): Promise<Run> {
  const script = `import(${JSON.stringify(join(CLI, 'gc.js'))}).then((m) => m.runGc(${JSON.stringify(args)})).then((code) => process.exit(code))`;
  const command = [process.execPath, '--input-type=module', '-e', script].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: { ...process.env, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root, BERTH_LIFECYCLE_RESTOREWINDOW: '24h' },
  });
  let stdout = '';
  let answered = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    // Answer once the question is on the screen; the terminal echoes it back.
    if (!answered && /\[y\/N\] /.test(stdout)) {
      answered = true;
      child.stdin.end(`${answer}\n`);
    }
  });
  // A prompt that never comes must fail the test, not hang it.
  const timer = setTimeout(() => child.kill(), 60_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: '' });
    }),
  );
}

/** Pushes one image (a config and a 900-byte layer) as `repository:tag`; resolves to its digests. */
async function pushOne(root: string, repository: string, tag: string): Promise<{ digest: string; blobs: string[] }> {
  const { config } = loadConfig({ env: { REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root } });
  const composed = await composeLifecycle(config);
  try {
    const blobs: string[] = [];
    for (const bytes of [Buffer.from(`{"n":"${randomBytes(4).toString('hex')}"}`), randomBytes(900)]) {
      blobs.push(sha256(bytes));
      await composed.registry.uploads.monolithic(repository, sha256(bytes), Readable.from([bytes]));
    }
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: blobs[0], size: 1 },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: blobs[1], size: 900 }],
      }),
    );
    const { digest } = await composed.registry.manifests.put(repository, tag, body, OCI_MANIFEST);
    return { digest, blobs };
  } finally {
    await composed.close();
  }
}

const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`;

describe('berth gc says what it holds back; --now frees it', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-cli-gc-now-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  test('after rm of a repository: held back by the restore window, until when, and how to free it; --now needs --yes off a terminal', async () => {
    const image = await pushOne(root, 'now/big', 'v1');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const deletedAt = Date.now();
    assert.equal((await berth(root, 'restore', 'runRm', ['now/big'], '24h')).code, 0);

    const gc = await berth(root, 'gc', 'runGc', [], '24h');
    assert.equal(gc.code, 0, gc.stderr);
    assert.match(gc.stdout, /removed 0 manifest\(s\), 0 blob\(s\) \(0 B\) and 0 repositories/);
    const held = new RegExp(
      String.raw`^Held back: 2 blob\(s\) \([\d.]+ K?i?B\), 1 manifest\(s\), 1 repository, because of the restore window \(24h\): ` +
        String.raw`kept by 1 deleted tag\(s\) and 1 deleted repository that \`berth restore\` can still bring back; collectable (?:at|from) (${ISO})(?: until ${ISO})?\.$`,
      'm',
    );
    const until = Date.parse(held.exec(gc.stdout)?.[1] ?? 'NaN');
    assert.ok(Math.abs(until - (deletedAt + 24 * 3600_000)) < 60_000, `${gc.stdout}`);
    assert.match(gc.stdout, /^To free [\d.]+ K?i?B now \(1 manifest\(s\), 2 blob\(s\)\): berth gc --now \(1 deleted tag\(s\) can then no longer be restored\); see berth gc --now --dry-run first\.$/m);
    const json = JSON.parse((await berth(root, 'gc', 'runGc', ['--dry-run', '--json'], '24h')).stdout) as GcReport;
    assert.equal(json.held.restoreWindow.blobs, 2);
    assert.equal(json.held.freeableNow.blobs, 2);

    const refused = await berth(root, 'gc', 'runGc', ['--now'], '24h');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /gc --now removes deleted content for good .* add --yes to confirm/);
    assert.deepEqual([...(await checkBlobTree(root)).digests].sort(), [...image.blobs].sort(), 'nothing removed');

    const purged = await berth(root, 'gc', 'runGc', ['--now', '--yes'], '24h');
    assert.equal(purged.code, 0, purged.stderr);
    assert.match(purged.stdout, /removed 1 manifest\(s\), 2 blob\(s\) \([\d.]+ K?i?B\) and 1 repository/);
    assert.doesNotMatch(purged.stdout, /Held back/);
    assert.equal((await checkBlobTree(root)).digests.size, 0, 'the bytes left the disk');
    assert.match((await berth(root, 'restore', 'runRestore', ['now/big:v1'], '24h')).stderr, /no deleted tag/);
  });

  test('after a delete by digest: held back by the grace period until when; --now frees it, a push in flight keeps its blob', async () => {
    const kept = await pushOne(root, 'now/kept', 'v1');
    const image = await pushOne(root, 'now/dig', 'v1');
    const pushedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal((await berth(root, 'restore', 'runRm', [`now/dig@${image.digest}`], '24h')).code, 0);
    // A blob uploaded for a manifest not put yet: what the grace period is for.
    const { config } = loadConfig({ env: { REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root } });
    const composed = await composeLifecycle(config);
    const inFlight = randomBytes(500);
    try {
      await composed.registry.uploads.monolithic('now/kept', sha256(inFlight), Readable.from([inFlight]));
    } finally {
      await composed.close();
    }

    const gc = await berth(root, 'gc', 'runGc', [], '24h');
    assert.equal(gc.code, 0, gc.stderr);
    const held = new RegExp(
      String.raw`^Held back: 3 blob\(s\) \([\d.]+ K?i?B\), 0 manifest\(s\), because of the grace period \(1h\): ` +
        String.raw`unreferenced, untagged, uploaded or linked more recently than that; collectable (?:at|from) (${ISO})(?: until ${ISO})?\.$`,
      'm',
    );
    const match = held.exec(gc.stdout);
    assert.ok(match, gc.stdout);
    assert.ok(Math.abs(Date.parse(match[1]!) - (pushedAt + 3600_000)) < 60_000, gc.stdout);
    assert.match(gc.stdout, /^To free [\d.]+ K?i?B now \(0 manifest\(s\), 2 blob\(s\)\): berth gc --now; see berth gc --now --dry-run first\.$/m);

    const purged = await berth(root, 'gc', 'runGc', ['--now', '--yes'], '24h');
    assert.equal(purged.code, 0, purged.stderr);
    assert.match(purged.stdout, /removed 0 manifest\(s\), 2 blob\(s\)/);
    assert.match(
      purged.stdout,
      /^Held back: 1 blob\(s\) \(500 B\), 0 manifest\(s\), because of the grace period \(1h\): uploaded, linked or pushed untagged and not referenced since \(a push may be in progress\); collectable at /m,
    );
    const left = [...(await checkBlobTree(root)).digests].sort();
    assert.deepEqual(left, [...kept.blobs, sha256(inFlight)].sort());
  });

  test('--now on a terminal shows what will go and asks; only yes removes', { skip: spawnSync('script', ['--version']).status !== 0 && 'script(1) is not installed' }, async () => {
    const image = await pushOne(root, 'now/tty', 'v1');
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal((await berth(root, 'restore', 'runRm', ['now/tty:v1'], '24h')).code, 0);
    const declined = await berthOnTerminal(root, ['--now'], 'n');
    assert.equal(declined.code, 1, declined.stdout);
    assert.match(declined.stdout, /Dry run: would remove 1 manifest\(s\), 2 blob\(s\)/);
    assert.match(declined.stdout, /Remove this for good\? Deleted tags and repositories can no longer be restored after it\. \[y\/N\] /);
    assert.match(declined.stdout, /nothing removed/);
    for (const blob of image.blobs) assert.ok((await checkBlobTree(root)).digests.has(blob), 'still on disk');
    const accepted = await berthOnTerminal(root, ['--now'], 'y');
    assert.equal(accepted.code, 0, accepted.stdout);
    assert.match(accepted.stdout, /removed 1 manifest\(s\), 2 blob\(s\)/);
    for (const blob of image.blobs) assert.ok(!(await checkBlobTree(root)).digests.has(blob), 'gone from disk');
  });
});
