/**
 * `berth import registry2 s3://BUCKET/ROOT`: Debian's Distribution 2.8 with its s3 storage
 * driver on a real S3 (Ceph RGW), filled by skopeo (an image and a multi-arch index, one tag
 * then moved); Berth imports from the bucket (copying and verifying every blob) and serves
 * every tag and the untagged revision with Distribution's digests; a wrong root is refused.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { useRgw, type Rgw } from '../support/ceph-rgw.js';
import { berthCli, berthNodeFlags, freePort, startBerth } from '../support/registry-process.js';
import { containersTools } from '../e2e/support/containers-tools.js';
import { httpRequest, manifestAccept } from '../e2e/support/registry-http.js';
import type { Target } from '../e2e/support/registry-under-test.js';
import { createWorkspace, type Workspace } from '../e2e/support/workspace.js';

function runImport(args: string[], root: string, rgw: Rgw) {
  const child = spawn(process.execPath, [...berthNodeFlags, berthCli, 'import', 'registry2', ...args, '--s3-endpoint', rgw.settings.endpoint, '--json'], {
    env: {
      ...process.env,
      REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root,
      REGISTRY_AUTH: 'none',
      AWS_ACCESS_KEY_ID: rgw.settings.accessKey,
      AWS_SECRET_ACCESS_KEY: rgw.settings.secretKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((ok) => child.once('close', (code) => ok({ code, stdout, stderr })));
}

describe('berth import registry2 from S3', () => {
  let ws: Workspace;
  let rgw: Rgw;
  let bucket: string;
  let distribution: ChildProcess | undefined;
  let distributionHost: string;
  const expected = new Map<string, string>();

  before(async () => {
    ws = await createWorkspace('import-s3');
    rgw = await useRgw();
    bucket = await rgw.bucket('registry2');
    const port = await freePort();
    distributionHost = `127.0.0.1:${port}`;
    const config = join(ws.dir, 'distribution.yml');
    await writeFile(
      config,
      `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  s3:\n` +
        `    accesskey: ${rgw.settings.accessKey}\n    secretkey: ${rgw.settings.secretKey}\n    region: ${rgw.settings.region}\n` +
        `    regionendpoint: ${rgw.settings.endpoint}\n    bucket: ${bucket}\n    secure: false\n    v4auth: true\n    rootdirectory: /registry-root\n` +
        `  delete:\n    enabled: true\nhttp:\n  addr: ${distributionHost}\n`,
    );
    // Distribution's AWS session refuses to start with AWS_CA_BUNDLE set and plain HTTP.
    const env = { ...process.env };
    delete env.AWS_CA_BUNDLE;
    distribution = spawn('docker-registry', ['serve', config], { env, stdio: 'ignore' });
    for (let i = 0; ; i++) {
      const up = await fetch(`http://${distributionHost}/v2/`).then((r) => r.status === 200, () => false);
      if (up) break;
      assert.ok(i < 200, 'Distribution with the s3 driver did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const tools = await containersTools(ws.subdir('tools'), { transport: 'plain', host: distributionHost, ca: undefined } as unknown as Target);
    const push = (image: { dir: string; ref: string }, ref: string) =>
      tools.skopeo(['copy', '--quiet', '--all', '--preserve-digests', `oci:${image.dir}:${image.ref}`, `docker://${distributionHost}/${ref}`]);
    await push(ws.images.index, 's3team/app:latest');
    await push(ws.images.single, 's3team/app:v1');
    await push(ws.images.single, 's3team/app:latest');
    expected.set('latest', ws.images.single.top.digest);
    expected.set('v1', ws.images.single.top.digest);
    distribution.kill('SIGTERM');
    await new Promise((r) => distribution!.once('close', r));
    distribution = undefined;
  });

  after(async () => {
    distribution?.kill('SIGKILL');
    await rgw?.cleanup();
    await ws?.cleanup();
  });

  it('imports every tag and the untagged index from the bucket, digests intact', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-import-s3-'));
    try {
      const result = await runImport([`s3://${bucket}/registry-root`], root, rgw);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const summary = JSON.parse(result.stdout) as { repositories: number; tags: number; manifests: number; copied: number; linked: number };
      assert.deepEqual([summary.repositories, summary.tags, summary.linked], [1, 2, 0]);
      assert.equal(summary.manifests, 1 + 1 + ws.images.index.children.length);
      assert.ok(summary.copied > 0);
      const berth = await startBerth({ root });
      try {
        const head = (ref: string) => httpRequest(`${berth.url}/v2/s3team/app/manifests/${ref}`, { method: 'HEAD', headers: { Accept: manifestAccept } });
        for (const [tag, digest] of expected) assert.equal((await head(tag)).headers['docker-content-digest'], digest, tag);
        assert.equal((await head(ws.images.index.top.digest)).status, 200, 'the index the tag moved away from stays pullable by digest');
      } finally {
        await berth.stop();
      }
      const wrong = await runImport([`s3://${bucket}/not-the-root`], root, rgw);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, new RegExp(`s3://${bucket}/not-the-root/ is not a registry:2 storage root`));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
