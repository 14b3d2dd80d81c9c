/**
 * `berth export` and `berth import oci` with skopeo on the other side: a layout Berth writes
 * (directory and tar) is read by skopeo and pushed back byte-identical; a layout skopeo
 * writes is imported; an export → import round trip keeps every digest. The refusals: not a
 * layout, a tar entry climbing out with `../`, a symbolic link in a tar or in a directory, a
 * huge index.json — each a clear message and exit 1, and nothing imported.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TarWriter } from '../../src/cli/oci/tar-writer.js';
import { berthCli, berthNodeFlags, startBerth, type RegistryProcess } from '../support/registry-process.js';
import { containersTools, type ContainersTools } from '../e2e/support/containers-tools.js';
import { httpRequest, manifestAccept } from '../e2e/support/registry-http.js';
import type { Target } from '../e2e/support/registry-under-test.js';
import { run } from '../e2e/support/run.js';
import { createWorkspace, type Workspace } from '../e2e/support/workspace.js';

const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function berth(args: string[], root: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...berthNodeFlags, berthCli, ...args], {
    env: { ...process.env, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root, REGISTRY_AUTH: 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((ok) => child.once('close', (code) => ok({ code, stdout, stderr })));
}

describe('berth export / berth import oci', () => {
  let ws: Workspace;
  let registry: RegistryProcess;
  let tools: ContainersTools;
  let out: string;
  const digestAt = async (name: string, reference: string) => {
    const response = await httpRequest(`${registry.url}/v2/${name}/manifests/${reference}`, { method: 'HEAD', headers: { Accept: manifestAccept } });
    return response.status === 200 ? String(response.headers['docker-content-digest']) : undefined;
  };

  before(async () => {
    ws = await createWorkspace('oci-layout');
    registry = await startBerth();
    tools = await containersTools(ws.subdir('tools'), { transport: 'plain', host: registry.host, ca: undefined } as unknown as Target);
    out = ws.subdir('out');
    await mkdir(out);
    const { single, index, signature } = ws.images;
    for (const [image, ref] of [[single, 'e2e/app:v1'], [index, 'e2e/app:multi'], [signature, 'e2e/app:sig'], [single, 'other/app:latest']] as const) {
      await tools.skopeo(['copy', '--quiet', '--all', '--preserve-digests', `oci:${image.dir}:${image.ref}`, `docker://${registry.host}/${ref}`]);
    }
  });

  after(async () => {
    await registry?.stop();
    await ws?.cleanup();
  });

  it('exports a directory that skopeo reads and pushes back byte-identical, while Berth serves', async () => {
    const dir = join(out, 'layout');
    const result = await berth(['export', 'e2e/app:v1', 'e2e/app:multi', '--to', dir], registry.root);
    assert.equal(result.code, 0, result.stderr);
    for (const [tag, image] of [['v1', ws.images.single], ['multi', ws.images.index]] as const) {
      const raw = (await tools.skopeo(['inspect', '--raw', `oci:${dir}:${tag}`])).stdout;
      assert.equal(sha256(raw), image.top.digest, `skopeo reads oci:${dir}:${tag}`);
      await tools.skopeo(['copy', '--quiet', '--all', '--preserve-digests', `oci:${dir}:${tag}`, `docker://${registry.host}/copied/app:${tag}`]);
      assert.equal(await digestAt('copied/app', tag), image.top.digest);
    }
    const refusal = await berth(['export', 'e2e/app:v1', '--to', dir], registry.root);
    assert.equal(refusal.code, 1);
    assert.match(refusal.stderr, /is not empty/);
  });

  it('round-trips a tar of several repositories through berth import oci, and imports what skopeo writes', async () => {
    const tar = join(out, 'all.tar');
    const exported = await berth(['export', 'e2e/app', 'other/app:latest', '--to', tar], registry.root);
    assert.equal(exported.code, 0, exported.stderr);
    // GNU tar agrees that it is a tar of an OCI layout.
    const listing = (await run('tar', ['-tf', tar])).stdout.split('\n');
    assert.ok(listing.includes('oci-layout') && listing.includes('index.json'), listing.join('\n'));
    const imported = await berth(['import', 'oci', tar, '--to', 'round/trip', '--json'], registry.root);
    assert.equal(imported.code, 0, imported.stdout + imported.stderr);
    assert.equal(await digestAt('round/trip', 'v1'), ws.images.single.top.digest);
    assert.equal(await digestAt('round/trip', 'multi'), ws.images.index.top.digest);
    assert.equal(await digestAt('round/trip', 'sig'), ws.images.signature.top.digest);
    assert.equal(await digestAt('round/trip', 'latest'), ws.images.single.top.digest);
    for (const child of ws.images.index.children) assert.equal(await digestAt('round/trip', child.digest), child.digest);
    const again = await berth(['import', 'oci', tar, '--to', 'round/trip', '--json'], registry.root);
    assert.equal(again.code, 0);
    const summary = JSON.parse(again.stdout) as { tags: number; manifests: number; blobs: number };
    assert.deepEqual([summary.tags, summary.manifests, summary.blobs], [0, 0, 0], 'a re-run imports nothing new');

    const fromSkopeo = join(out, 'from-skopeo');
    await tools.skopeo(['copy', '--quiet', '--all', '--preserve-digests', `docker://${registry.host}/e2e/app:multi`, `oci:${fromSkopeo}:written-by-skopeo`]);
    const fromTool = await berth(['import', 'oci', fromSkopeo, '--to', 'skopeo/made'], registry.root);
    assert.equal(fromTool.code, 0, fromTool.stdout + fromTool.stderr);
    assert.equal(await digestAt('skopeo/made', 'written-by-skopeo'), ws.images.index.top.digest);
  });

  it('refuses a non-layout, a ../ entry, symbolic links and a huge index.json, importing nothing', async () => {
    const refuse = async (source: string, pattern: RegExp, repository: string) => {
      const result = await berth(['import', 'oci', source, '--to', repository], registry.root);
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stderr, pattern);
      assert.equal((await httpRequest(`${registry.url}/v2/${repository}/tags/list`)).status, 404, `nothing imported into ${repository}`);
    };
    await refuse(ws.dir, /is not an OCI image layout: oci-layout is missing/, 'refused/a');

    const climbing = join(out, 'climbing.tar');
    const writer = new TarWriter(createWriteStream(climbing));
    await writer.file('oci-layout', 30, Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    await writer.file('../../escaped', 5, Buffer.from('boom\n'));
    await writer.end();
    await refuse(climbing, /names a path outside the layout: "\.\.\/\.\.\/escaped"/, 'refused/b');

    const linked = join(out, 'linked');
    assert.equal((await berth(['export', 'e2e/app:v1', '--to', linked], registry.root)).code, 0);
    const blobs = join(linked, 'blobs', 'sha256');
    const victim = ws.images.single.reachable[1]!.slice(7);
    await unlink(join(blobs, victim));
    await symlink('/etc/passwd', join(blobs, victim));
    await refuse(linked, /is a symbolic link/, 'refused/c');
    const linkTar = join(out, 'linked.tar');
    await run('tar', ['-cf', linkTar, '-C', linked, '.']);
    await refuse(linkTar, /holds a link/, 'refused/d');

    const huge = join(out, 'huge');
    await mkdir(huge);
    await writeFile(join(huge, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await mkdir(join(huge, 'blobs'));
    await writeFile(join(huge, 'index.json'), `{"schemaVersion":2,"manifests":[],"pad":"${'x'.repeat(5 * 1024 * 1024)}"}`);
    await refuse(huge, /index\.json is \d+ bytes; the limit is 4194304/, 'refused/e');
    assert.deepEqual((await readdir(tmpdir())).filter((n) => n.startsWith('escaped')), []);
  });
});
