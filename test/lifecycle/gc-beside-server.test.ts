// `berth gc` run by hand while `berth serve` takes pushes and deletes on the same data: two
// processes on one SQLite file. Each must wait for the other's write lock rather than fail
// ("database is locked"), so the collection completes and no client sees a 5xx.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import type { GcReport } from '../../src/core/lifecycle/gc-report.js';
import { uniqueRepo } from '../http/support/content.js';
import { client } from '../http/support/http-client.js';
import { pushImage } from '../http/support/push.js';
import { berthCli, berthNodeFlags, startBerth } from '../support/registry-process.js';

function gcOnce(root: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...berthNodeFlags, berthCli, 'gc', '--grace', '0s', '--json'], {
    env: { ...process.env, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root, REGISTRY_AUTH: 'none', BERTH_LIFECYCLE_RESTOREWINDOW: '0s' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test('berth gc beside a busy berth serve: every collection completes, no request fails', async () => {
  const server = await startBerth({ env: { BERTH_LIFECYCLE_RESTOREWINDOW: '0s' } });
  let pushing = true;
  let pushers: Array<Promise<void>> = [];
  try {
    // The shared http client fails the test on any 5xx; a refused manifest (a layer collected
    // between upload and manifest, grace 0) is the only other outcome allowed, and retried.
    const c = client(server.url);
    const repo = uniqueRepo('beside');
    let pushed = 0;
    pushers = Array.from({ length: 3 }, async (_, n) => {
      for (let i = 0; pushing; i++) {
        try {
          const image = await pushImage(c, repo, `t${n}-${i % 4}`);
          pushed++;
          if (i % 2 === 1) {
            const reply = await c.delete(`/v2/${repo}/manifests/${image.digest}`);
            assert.ok(reply.status === 202 || reply.status === 404, `delete: ${reply.status}`);
          }
        } catch (error) {
          if (!/MANIFEST_BLOB_UNKNOWN|BLOB_UNKNOWN/.test(String(error))) throw error;
        }
      }
    });
    const reports: GcReport[] = [];
    for (let round = 0; round < 4; round++) {
      const run = await gcOnce(server.root);
      assert.equal(run.code, 0, `berth gc failed beside the server: ${run.stderr.slice(0, 500)}`);
      reports.push(JSON.parse(run.stdout) as GcReport);
    }
    pushing = false;
    await Promise.all(pushers);
    assert.ok(pushed > 0);
    assert.ok(
      reports.some((r) => r.manifestsRemoved > 0),
      `the collections removed something: ${JSON.stringify(reports.map((r) => r.manifestsRemoved))}`,
    );
    assert.doesNotMatch(server.output(), /database is locked|SQLITE_BUSY/);
  } finally {
    pushing = false;
    await Promise.allSettled(pushers);
    await server.stop();
  }
});
