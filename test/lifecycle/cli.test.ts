// `berth rm`, `berth restore` and `berth gc` as a user runs them: separate processes on a data
// directory named by the environment, exit codes, stdout for results, stderr for progress.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
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
function berth(root: string, module: 'gc' | 'restore', fn: string, args: string[], window = '1h'): Promise<Run> {
  const script = `import(${JSON.stringify(join(CLI, `${module}.js`))}).then((m) => m.${fn}(${JSON.stringify(args)})).then((code) => process.exit(code))`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root, BERTH_LIFECYCLE_RESTOREWINDOW: window },
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
    const { config } = loadConfig({ env: { REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root } });
    const composed = await composeLifecycle(config);
    try {
      for (const repository of ['cli/a', 'cli/b']) {
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
        const { digest } = await composed.registry.manifests.put(repository, 'v1', body, OCI_MANIFEST);
        images[repository] = { digest, blobs };
      }
    } finally {
      await composed.close();
    }
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
