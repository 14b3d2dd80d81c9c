/**
 * The Docker engine against the registry: an image loaded from a generated `docker save`
 * archive is pushed, removed, pulled back with the same image ID, and inspected with
 * `docker manifest inspect`. dockerd converts to its own manifest format on push, so the
 * image ID (the config digest) is what must survive, and the pushed digest what must resolve.
 * Loopback registries are "insecure" to dockerd and the docker CLI, which then speak TLS without
 * checking the certificate: the TLS run proves the registry's TLS works for docker, not that
 * docker trusted the test CA (skopeo's and ctr's TLS runs do check that).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tagsOf } from './support/assertions.js';
import { startContainerd, type Containerd } from './support/containerd-daemon.js';
import { writeDockerArchive, type DockerArchive } from './support/docker-archive.js';
import { startDockerd, type Dockerd } from './support/docker-daemon.js';
import { mediaTypes, type Descriptor } from './support/oci-layout.js';
import { startTarget, transports, type Target } from './support/registry-under-test.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

interface DockerImage {
  Id: string;
  RepoDigests: string[];
  Architecture: string;
  RootFS: { Layers: string[] };
}

describe('docker engine', () => {
  let ws: Workspace;
  let containerd: Containerd;
  let dockerd: Dockerd;
  let archive: DockerArchive;
  before(async () => {
    ws = await createWorkspace('docker');
    containerd = await startContainerd(ws.subdir('containerd'));
    dockerd = await startDockerd(ws.subdir('dockerd'), { containerdAddress: containerd.address, caBundle: ws.ca.bundle });
    archive = await writeDockerArchive(join(ws.dir, 'archive.tar'), 'e2e/loaded:1');
  });
  after(async () => {
    await dockerd?.stop();
    await containerd?.stop();
    await ws?.cleanup();
  });

  const inspect = async (ref: string) =>
    (JSON.parse((await dockerd.docker(['image', 'inspect', ref])).stdout) as DockerImage[])[0];

  it('loads the generated archive', async () => {
    await dockerd.docker(['load', '--quiet', '--input', archive.path]);
    const image = await inspect(archive.repoTag);
    assert.equal(image.Id, archive.imageId);
    assert.deepEqual(image.RootFS.Layers, archive.diffIds);
  });

  for (const transport of transports) {
    describe(`over ${transport}`, () => {
      let target: Target;
      let pushedDigest: string;
      before(async () => {
        target = await startTarget(transport, ws.ca);
      });
      after(async () => {
        await target?.stop();
      });

      const remote = () => `${target.host}/e2e/docker/app`;

      it('pushes a tagged image and the registry resolves the tag to the pushed digest', async () => {
        await dockerd.docker(['tag', archive.repoTag, `${remote()}:v1`]);
        const { stdout } = await dockerd.docker(['push', `${remote()}:v1`]);
        const match = /digest: (sha256:[0-9a-f]{64}) size: (\d+)/.exec(stdout);
        assert.ok(match, `docker push printed no digest:\n${stdout}`);
        pushedDigest = match[1];

        const head = await target.headManifest('e2e/docker/app', 'v1');
        assert.equal(head.status, 200);
        assert.equal(head.headers['docker-content-digest'], pushedDigest);
        assert.equal(Number(head.headers['content-length']), Number(match[2]));
        const manifest = (await target.getManifest('e2e/docker/app', 'v1')).json<{ mediaType: string; config: Descriptor; layers: Descriptor[] }>();
        assert.equal(manifest.mediaType, mediaTypes.dockerManifest);
        assert.equal(manifest.config.digest, archive.imageId);
        assert.equal(manifest.layers.length, archive.diffIds.length);
        assert.deepEqual(await tagsOf(target, 'e2e/docker/app'), ['v1']);
      });

      it('finds the pushed repository with docker search HOST/term', async () => {
        assert.ok(pushedDigest, 'needs the push above');
        // The engine asks the registry's GET /v1/search (after probing /v1/_ping), not /v2.
        const { stdout } = await dockerd.docker(['search', '--no-trunc', '--format', '{{.Name}}|{{.Description}}', `${target.host}/docker/ap`]);
        assert.deepEqual(stdout.trim().split('\n'), ['e2e/docker/app|']);
        const none = await dockerd.docker(['search', '--format', '{{.Name}}', `${target.host}/no-such-thing`]);
        assert.equal(none.stdout.trim(), '');
      });

      it('pulls the image back after removing it, with the same image ID', async () => {
        assert.ok(pushedDigest, 'needs the push above');
        // Every tag of the image goes (including the loaded one and the other transport's), so the
        // pull below has to fetch every layer from this registry.
        await dockerd.docker(['rmi', '--force', archive.imageId]);
        const gone = await dockerd.docker(['image', 'inspect', archive.imageId], { allowFailure: true });
        assert.notEqual(gone.code, 0, 'the image should be gone before the pull');

        await dockerd.docker(['pull', '--quiet', `${remote()}:v1`]);
        const image = await inspect(`${remote()}:v1`);
        assert.equal(image.Id, archive.imageId);
        assert.deepEqual(image.RootFS.Layers, archive.diffIds);
        assert.ok(image.RepoDigests.includes(`${remote()}@${pushedDigest}`), `RepoDigests: ${image.RepoDigests.join(', ')}`);

        // Leave the archive's tag in place for the next transport.
        await dockerd.docker(['tag', `${remote()}:v1`, archive.repoTag]);
      });

      it('pulls by digest', async () => {
        assert.ok(pushedDigest, 'needs the push above');
        await dockerd.docker(['pull', '--quiet', `${remote()}@${pushedDigest}`]);
        assert.equal((await inspect(`${remote()}@${pushedDigest}`)).Id, archive.imageId);
      });

      it('shows the pushed manifest with docker manifest inspect', async (t) => {
        assert.ok(pushedDigest, 'needs the push above');
        const args = ['manifest', 'inspect', ...(transport === 'plain' ? ['--insecure'] : []), `${remote()}:v1`];
        const env = target.ca ? { SSL_CERT_FILE: target.ca.bundle } : {};
        const result = await dockerd.docker(args, { allowFailure: true, env });
        if (result.code !== 0 && /experimental/i.test(result.stderr)) {
          t.skip('docker manifest needs experimental CLI features here');
          return;
        }
        assert.equal(result.code, 0, `docker manifest inspect failed: ${result.stderr}`);
        const manifest = JSON.parse(result.stdout) as { config: Descriptor; layers: Descriptor[] };
        assert.equal(manifest.config.digest, archive.imageId);
        assert.equal(manifest.layers.length, archive.diffIds.length);
      });
    });
  }
});
