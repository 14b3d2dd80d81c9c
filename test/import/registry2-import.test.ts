/**
 * `berth import registry2` against a real registry:2 root: Debian's Distribution 2.8 is filled
 * by skopeo (an image, a multi-arch index, an artifact, a referrer with a subject, a tag that
 * moved, a manifest deleted with its tag), by the Docker engine, and by plain HTTP (one large
 * blob, so an import can be killed in the middle of it). Berth imports it, and every tag is read
 * back by skopeo, podman and docker and compared with what Distribution serves. A damaged copy
 * (a dangling layer link, a corrupt blob, a tag without current/link) shows the skips; a killed
 * import is resumed; an import runs beside a serving Berth; the refusals say what is wrong.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { berthCli, berthNodeFlags, startBerth, startDistribution, type RegistryProcess } from '../support/registry-process.js';
import { containersTools, type ContainersTools } from '../e2e/support/containers-tools.js';
import { httpRequest, manifestAccept } from '../e2e/support/registry-http.js';
import type { Target } from '../e2e/support/registry-under-test.js';
import { createWorkspace, type Workspace } from '../e2e/support/workspace.js';
import { startContainerd, type Containerd } from '../e2e/support/containerd-daemon.js';
import { writeDockerArchive, type DockerArchive } from '../e2e/support/docker-archive.js';
import { startDockerd, type Dockerd } from '../e2e/support/docker-daemon.js';

interface Summary {
  repositories: number;
  tags: number;
  manifests: number;
  blobs: number;
  linked: number;
  copied: number;
  alreadyThere: number;
  uploadsSkipped: number;
  skipped: { reason: string; repository: string; what: string }[];
}

const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A Target as far as containersTools needs one: a plain-HTTP host marked insecure. */
function plainTarget(registry: RegistryProcess): Target {
  return { transport: 'plain', host: registry.host, ca: undefined } as unknown as Target;
}

function runImport(args: string[], berthRoot: string, auth: 'none' | 'builtin' = 'none') {
  const env: NodeJS.ProcessEnv = { ...process.env, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: berthRoot, REGISTRY_AUTH: 'none' };
  if (auth === 'builtin') delete env.REGISTRY_AUTH;
  const child = spawn(process.execPath, [...berthNodeFlags, berthCli, 'import', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((ok) =>
    child.once('close', (code, signal) => ok({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

async function importJson(source: string, berthRoot: string, extra: string[] = [], auth: 'none' | 'builtin' = 'none'): Promise<{ code: number | null; summary: Summary; stderr: string }> {
  const result = await runImport(['registry2', source, '--json', ...extra], berthRoot, auth).done;
  assert.ok(result.stdout.startsWith('{'), `import printed no summary (exit ${result.code}):\n${result.stderr}`);
  return { code: result.code, summary: JSON.parse(result.stdout) as Summary, stderr: result.stderr };
}

async function digestAt(registry: RegistryProcess, name: string, reference: string): Promise<string | undefined> {
  const response = await httpRequest(`${registry.url}/v2/${name}/manifests/${reference}`, { method: 'HEAD', headers: { Accept: manifestAccept } });
  return response.status === 200 ? String(response.headers['docker-content-digest']) : undefined;
}

/** Pushes `bytes` to Distribution as one blob (POST, then PUT with the digest). */
async function pushBlob(registry: RegistryProcess, name: string, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const start = await fetch(`${registry.url}/v2/${name}/blobs/uploads/`, { method: 'POST' });
  assert.equal(start.status, 202);
  const location = new URL(start.headers.get('location')!, registry.url);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(put.status, 201, await put.text());
  return digest;
}

describe('berth import registry2', () => {
  let ws: Workspace;
  let distribution: RegistryProcess;
  let source: string;
  let toDistribution: ContainersTools;
  let containerd: Containerd;
  let dockerd: Dockerd;
  let archive: DockerArchive;
  /** Every tag Distribution serves, with its digest: what Berth must serve after the import. */
  const expected = new Map<string, string>();
  let untagged: { name: string; digest: string };
  let deleted: { name: string; tag: string; digest: string };

  before(async () => {
    ws = await createWorkspace('import');
    source = join(ws.dir, 'registry2');
    await mkdir(source);
    distribution = await startDistribution({ root: source });
    toDistribution = await containersTools(ws.subdir('to-distribution'), plainTarget(distribution));
    const push = (image: { dir: string; ref: string }, ref: string) =>
      toDistribution.skopeo(['copy', '--quiet', '--all', '--preserve-digests', `oci:${image.dir}:${image.ref}`, `docker://${distribution.host}/${ref}`]);
    const { single, index, artifact, signature, helm } = ws.images;
    await push(single, 'team/app:v1');
    await push(index, 'team/app:multi');
    await push(signature, 'team/app:sig');
    await push(artifact, 'notes:v1');
    await push(helm, 'charts/demo:0.1.0');
    // The Docker engine pushes its own manifest format (docker v2 schema 2).
    containerd = await startContainerd(ws.subdir('containerd'));
    dockerd = await startDockerd(ws.subdir('dockerd'), { containerdAddress: containerd.address, caBundle: ws.ca.bundle });
    archive = await writeDockerArchive(join(ws.dir, 'archive.tar'), 'e2e/loaded:1');
    await dockerd.docker(['load', '--quiet', '--input', archive.path]);
    await dockerd.docker(['tag', archive.repoTag, `${distribution.host}/dockerteam/app:v1`]);
    await dockerd.docker(['push', `${distribution.host}/dockerteam/app:v1`]);
    // A tag that moved: its index/ keeps the old digest, which stays untagged (pullable by digest).
    await push(single, 'team/app:moving');
    await push(index, 'deep/nested/app:moving');
    await push(single, 'deep/nested/app:moving');
    untagged = { name: 'deep/nested/app', digest: index.top.digest };
    await push(index, 'team/app:moving');
    // A manifest deleted by digest: Distribution 2.8 removes its tags with it.
    await push(helm, 'charts/demo:doomed');
    await push(artifact, 'charts/demo:doomed');
    deleted = { name: 'charts/demo', tag: 'doomed', digest: artifact.top.digest };
    const del = await httpRequest(`${distribution.url}/v2/charts/demo/manifests/${artifact.top.digest}`, { method: 'DELETE' });
    assert.equal(del.status, 202);
    // One large blob, last in name order, so a killed import is killed inside it.
    const big = randomBytes(48 * 1024 * 1024);
    const layer = await pushBlob(distribution, 'zz/big', big);
    const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
    const configDigest = await pushBlob(distribution, 'zz/big', config);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer, size: big.length }],
    }));
    const put = await fetch(`${distribution.url}/v2/zz/big/manifests/latest`, {
      method: 'PUT', body: new Uint8Array(manifest), headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(put.status, 201, await put.text());
    // An upload left unfinished.
    assert.equal((await fetch(`${distribution.url}/v2/team/app/blobs/uploads/`, { method: 'POST' })).status, 202);

    for (const [name, tags] of [['team/app', ['v1', 'multi', 'sig', 'moving']], ['notes', ['v1']], ['charts/demo', ['0.1.0']], ['deep/nested/app', ['moving']], ['zz/big', ['latest']], ['dockerteam/app', ['v1']]] as const) {
      for (const tag of tags) {
        const digest = await digestAt(distribution, name, tag);
        assert.ok(digest, `Distribution serves ${name}:${tag}`);
        expected.set(`${name}:${tag}`, digest);
      }
    }
    assert.equal(expected.get('team/app:moving'), index.top.digest);
    assert.equal(await digestAt(distribution, deleted.name, deleted.tag), undefined);
    await distribution.stop({ keepData: true });
  });

  after(async () => {
    await distribution?.stop();
    await dockerd?.stop();
    await containerd?.stop();
    await ws?.cleanup();
  });

  it('imports every tag and untagged revision; skopeo, podman and docker pull them back with the same digests', async () => {
    const berthRoot = await mkdtemp(join(tmpdir(), 'berth-import-'));
    const { code, summary, stderr } = await importJson(source, berthRoot);
    assert.equal(code, 0, JSON.stringify(summary.skipped) + stderr);
    assert.equal(summary.repositories, 6);
    assert.equal(summary.tags, expected.size);
    assert.equal(summary.uploadsSkipped, 1);
    assert.deepEqual(summary.skipped, []);
    // Same filesystem here: blobs are hard links whose write bits are gone on both sides.
    assert.ok(summary.linked > 0 && summary.copied === 0, JSON.stringify(summary));
    const berth = await startBerth({ root: berthRoot });
    try {
      for (const [ref, digest] of expected) {
        const [name, tag] = ref.split(':') as [string, string];
        assert.equal(await digestAt(berth, name, tag), digest, ref);
      }
      assert.equal(await digestAt(berth, untagged.name, untagged.digest), untagged.digest, 'untagged revision pullable by digest');
      assert.equal(await digestAt(berth, deleted.name, deleted.tag), undefined, 'deleted tag stays deleted');
      assert.equal(await digestAt(berth, deleted.name, deleted.digest), undefined, 'deleted manifest stays deleted');
      const tags = (await httpRequest(`${berth.url}/v2/team/app/tags/list`)).json<{ tags: string[] }>().tags;
      assert.deepEqual([...tags].sort(), ['moving', 'multi', 'sig', 'v1']);

      const tools = await containersTools(ws.subdir('from-berth'), plainTarget(berth));
      for (const [ref, digest] of expected) {
        // OCI layouts hold OCI manifests: docker's own format is compared raw below.
        if (ref.startsWith('zz/') || ref.startsWith('dockerteam/') || ref.startsWith('notes') || ref.startsWith('charts') || ref.endsWith(':sig')) continue;
        const dir = join(tools.dir, `pulled-${ref.replace(/[/:]/g, '_')}`);
        await tools.skopeo(['copy', '--quiet', '--all', '--preserve-digests', `docker://${berth.host}/${ref}`, `oci:${dir}:x`]);
        const raw = (await tools.skopeo(['inspect', '--raw', `oci:${dir}:x`])).stdout;
        assert.equal(sha256(raw), digest, `skopeo pulled ${ref}`);
      }
      for (const ref of ['team/app:v1', 'team/app:multi']) {
        await tools.podman(['pull', '--quiet', `${berth.host}/${ref}`]);
        const got = (await tools.podman(['image', 'inspect', '--format', '{{.Digest}}', `${berth.host}/${ref}`])).stdout.trim();
        assert.equal(got, expected.get(ref), `podman pulled ${ref}`);
      }
      // The Docker engine pulls what it pushed to Distribution: same manifest digest, same image.
      const pulled = `${berth.host}/dockerteam/app:v1`;
      await dockerd.docker(['rmi', '--force', archive.imageId]);
      await dockerd.docker(['pull', '--quiet', pulled]);
      const image = (JSON.parse((await dockerd.docker(['image', 'inspect', pulled])).stdout) as { Id: string; RepoDigests: string[] }[])[0]!;
      assert.equal(image.Id, archive.imageId);
      assert.ok(image.RepoDigests.includes(`${berth.host}/dockerteam/app@${expected.get('dockerteam/app:v1')}`), image.RepoDigests.join(', '));
      for (const ref of ['notes:v1', 'team/app:sig', 'charts/demo:0.1.0', 'dockerteam/app:v1']) {
        const raw = (await tools.skopeo(['inspect', '--raw', `docker://${berth.host}/${ref}`])).stdout;
        assert.equal(sha256(raw), expected.get(ref), `skopeo inspect --raw ${ref}`);
      }
      const referrers = (await httpRequest(`${berth.url}/v2/team/app/referrers/${ws.images.single.top.digest}`)).json<{ manifests: { digest: string }[] }>();
      assert.deepEqual(referrers.manifests.map((m) => m.digest), [expected.get('team/app:sig')]);
    } finally {
      await berth.stop();
    }
    // The shared inode has no write bit: neither side can change the other's bytes in place.
    for (const digest of ws.images.single.reachable) {
      const hex = digest.slice(7);
      const at = await stat(join(source, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data'));
      const inStore = await stat(join(berthRoot, 'blobs/sha256', hex.slice(0, 2), hex));
      assert.equal(at.ino, inStore.ino, `${digest} is a hard link`);
      assert.equal(at.mode & 0o222, 0, `${digest} has no write bit`);
    }
    await rm(berthRoot, { recursive: true, force: true });
  });

  it('re-run after a kill in the middle of a blob finishes the rest; a finished import re-run changes nothing', async () => {
    const berthRoot = await mkdtemp(join(tmpdir(), 'berth-import-'));
    const first = runImport(['registry2', source, '--copy'], berthRoot);
    const uploads = join(berthRoot, 'uploads');
    let killedMidBlob = false;
    for (let i = 0; i < 3000 && first.child.exitCode === null; i++) {
      const names = await readdir(uploads).catch(() => [] as string[]);
      const sizes = await Promise.all(names.map((n) => stat(join(uploads, n)).then((s) => s.size, () => 0)));
      if (sizes.some((s) => s > 4 * 1024 * 1024)) {
        first.child.kill('SIGKILL');
        killedMidBlob = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const killed = await first.done;
    assert.ok(killedMidBlob && killed.signal === 'SIGKILL', `the import was not caught mid-blob:\n${killed.stdout}${killed.stderr}`);
    const resumed = await importJson(source, berthRoot, ['--copy']);
    assert.equal(resumed.code, 0, JSON.stringify(resumed.summary.skipped));
    assert.ok(resumed.summary.alreadyThere > 0, 'the killed run kept what it had imported');
    assert.ok(resumed.summary.tags < expected.size, 'the resumed run did not redo the tags already imported');
    const again = await importJson(source, berthRoot, ['--copy']);
    assert.equal(again.code, 0);
    assert.equal(again.summary.tags + again.summary.manifests + again.summary.blobs, 0, JSON.stringify(again.summary));
    const berth = await startBerth({ root: berthRoot });
    try {
      for (const [ref, digest] of expected) {
        const [name, tag] = ref.split(':') as [string, string];
        assert.equal(await digestAt(berth, name, tag), digest, ref);
      }
    } finally {
      await berth.stop();
    }
    await rm(berthRoot, { recursive: true, force: true });
  });

  it('imports into a running Berth with accounts, creating private projects; names the damage it skips', async () => {
    const damaged = join(ws.dir, 'damaged');
    await cp(source, damaged, { recursive: true });
    const v2 = join(damaged, 'docker/registry/v2');
    const repos = join(v2, 'repositories');
    const dangling = `sha256:${'0'.repeat(63)}1`;
    await mkdir(join(repos, 'team/app/_layers/sha256', dangling.slice(7)), { recursive: true });
    await writeFile(join(repos, 'team/app/_layers/sha256', dangling.slice(7), 'link'), dangling);
    // The artifact's only layer, corrupted: the blob, the artifact and its tag are skipped.
    const artifactLayer = ws.images.artifact.reachable.find((d) => d !== ws.images.artifact.top.digest && !ws.images.single.reachable.includes(d))!;
    const hex = artifactLayer.slice(7);
    const corruptPath = join(v2, 'blobs/sha256', hex.slice(0, 2), hex, 'data');
    await rm(corruptPath);
    await writeFile(corruptPath, 'not the bytes you are looking for');
    // A blob directory that is a symbolic link to bytes outside the root is not followed.
    const helmLayer = ws.images.helm.reachable.find((d) => ![...ws.images.single.reachable, ...ws.images.index.reachable, ...ws.images.artifact.reachable, ...ws.images.signature.reachable].includes(d))!;
    const helmDir = join(v2, 'blobs/sha256', helmLayer.slice(7, 9), helmLayer.slice(7));
    const outside = join(ws.dir, 'outside-the-root');
    await rename(helmDir, outside);
    await symlink(outside, helmDir);
    // A tag whose current/link is gone (only index/ left) must not come back.
    await rm(join(repos, 'team/app/_manifests/tags/v1/current'), { recursive: true });

    const berth = await startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: 'import-test-password-1' } });
    try {
      const { code, summary, stderr } = await importJson(damaged, berth.root, [], 'builtin');
      assert.equal(code, 1, 'skips make the exit code 1');
      const reasons = summary.skipped.map((s) => `${s.reason} ${s.repository} ${s.what}`);
      assert.ok(reasons.includes(`dangling link team/app ${dangling}`), reasons.join('\n'));
      assert.ok(reasons.includes(`corrupt blob notes ${artifactLayer}`), reasons.join('\n'));
      assert.ok(reasons.includes(`dangling link charts/demo ${helmLayer}`), reasons.join('\n'));
      assert.ok(reasons.some((r) => r.startsWith(`missing reference notes ${expected.get('notes:v1')}`)), reasons.join('\n'));
      assert.ok(reasons.some((r) => r.startsWith('missing reference notes v1')), reasons.join('\n'));
      for (const project of ['team', 'notes', 'charts', 'deep', 'zz', 'dockerteam']) assert.match(stderr, new RegExp(`created private project ${project}\\n`));
      // Each imported tag is in the audit log as a push by the command line.
      const audit = spawn(process.execPath, [...berthNodeFlags, berthCli, 'audit', '--action', 'push', '--repository', 'team/app', '--json'], {
        env: { ...process.env, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: berth.root },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let lines = '';
      audit.stdout.on('data', (d: Buffer) => (lines += d.toString()));
      await new Promise((ok) => audit.once('close', ok));
      const pushes = lines.trim().split('\n').map((l) => JSON.parse(l) as { actor: string; reference: string });
      // (sig is skipped: the corrupted blob is the empty config it shares with the artifact.)
      assert.deepEqual(pushes.map((p) => `${p.actor} ${p.reference}`).sort(), ['cli moving', 'cli multi'], lines);
      assert.ok(reasons.includes('missing reference team/app sig'), reasons.join('\n'));
      // Served at once by the running Berth (to the admin: the projects are private).
      const tools = await containersTools(ws.subdir('running'), plainTarget(berth));
      const inspect = (ref: string, creds: string[]) => tools.skopeo(['inspect', '--raw', ...creds, `docker://${berth.host}/${ref}`], { allowFailure: true });
      const admin = ['--creds', 'admin:import-test-password-1'];
      const multi = await inspect('team/app:multi', admin);
      assert.equal(sha256(multi.stdout), expected.get('team/app:multi'), multi.stderr);
      const v1 = await inspect('team/app:v1', admin);
      assert.notEqual(v1.code, 0, 'a tag without current/link is not imported');
      const anonymous = await inspect('team/app:multi', ['--no-creds']);
      assert.notEqual(anonymous.code, 0, 'imported projects are private');
    } finally {
      await berth.stop();
    }
  });

  it('refuses a directory that is not a registry:2 root, saying what is missing', async () => {
    const berthRoot = await mkdtemp(join(tmpdir(), 'berth-import-'));
    const result = await runImport(['registry2', ws.dir], berthRoot).done;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /is not a registry:2 storage root: docker\/registry\/v2\/repositories\/ is missing/);
    const usage = await runImport(['registry3', ws.dir], berthRoot).done;
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /unknown source kind "registry3"/);
    await rm(berthRoot, { recursive: true, force: true });
  });
});
