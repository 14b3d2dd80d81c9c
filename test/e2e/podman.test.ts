/**
 * podman against the registry: pull what skopeo pushed, push it under a new name, pull that
 * back, and pick the host's child out of a multi-platform index.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertManifestServed, tagsOf } from './support/assertions.js';
import { containersTools, type ContainersTools } from './support/containers-tools.js';
import { hostPlatform } from './support/image-layouts.js';
import { readLayout, type Descriptor } from './support/oci-layout.js';
import { startTarget, transports, type Target } from './support/registry-under-test.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

interface PodmanImage {
  Id: string;
  Digest: string;
  RepoDigests: string[];
  Architecture: string;
}

describe('podman', () => {
  let ws: Workspace;
  before(async () => {
    ws = await createWorkspace('podman');
  });
  after(async () => {
    await ws?.cleanup();
  });

  for (const transport of transports) {
    describe(`over ${transport}`, () => {
      let target: Target;
      let tools: ContainersTools;
      let configDigest: string;
      before(async () => {
        target = await startTarget(transport, ws.ca);
        tools = await containersTools(ws.subdir(`containers-${transport}`), target);
        const { single, index } = ws.images;
        for (const [image, name, extra] of [
          [single, 'e2e/podman/src:v1', []],
          [index, 'e2e/podman/multi:v1', ['--all']],
        ] as const) {
          await tools.skopeo(['copy', '--quiet', '--preserve-digests', ...extra, `oci:${image.dir}:${image.ref}`, `docker://${target.host}/${name}`]);
        }
        const manifest = JSON.parse(single.bytes.toString('utf8')) as { config: Descriptor };
        configDigest = manifest.config.digest;
      });
      after(async () => {
        await target?.stop();
      });

      const inspect = async (ref: string) =>
        (JSON.parse((await tools.podman(['image', 'inspect', ref])).stdout) as PodmanImage[])[0];

      it('pulls an image with the digests that were pushed', async () => {
        const ref = `${target.host}/e2e/podman/src:v1`;
        await tools.podman(['pull', '--quiet', ref]);
        const image = await inspect(ref);
        assert.equal(image.Id, configDigest.slice('sha256:'.length));
        assert.equal(image.Digest, ws.images.single.top.digest);
        assert.ok(image.RepoDigests.includes(`${target.host}/e2e/podman/src@${ws.images.single.top.digest}`), String(image.RepoDigests));
      });

      it('pushes a re-tagged image under a new name and pulls it back', async () => {
        const source = `${target.host}/e2e/podman/src:v1`;
        const copy = `${target.host}/e2e/podman/copy:v2`;
        await tools.podman(['tag', source, copy]);
        await tools.podman(['push', '--quiet', copy]);
        assert.deepEqual(await tagsOf(target, 'e2e/podman/copy'), ['v2']);

        const pushed = await target.getManifest('e2e/podman/copy', 'v2');
        assert.equal(pushed.status, 200);
        const manifest = pushed.json<{ config: Descriptor; layers: Descriptor[] }>();
        assert.equal(manifest.config.digest, configDigest, 'the pushed image keeps its config');
        assert.equal(manifest.layers.length, 3);

        await tools.podman(['rmi', '--force', source, copy]);
        await tools.podman(['pull', '--quiet', copy]);
        const image = await inspect(copy);
        assert.equal(image.Id, configDigest.slice('sha256:'.length));
        assert.equal(image.Digest, pushed.headers['docker-content-digest']);
      });

      it("pulls the host's platform out of a multi-platform index", async () => {
        const { index } = ws.images;
        const host = hostPlatform();
        const child = index.children.find((c) => c.platform?.architecture === host.architecture);
        assert.ok(child, `the index has no child for ${host.architecture}`);
        const childManifest = JSON.parse((await (await readLayout(index.dir)).readBlob(child.digest)).toString('utf8')) as { config: Descriptor };
        const ref = `${target.host}/e2e/podman/multi:v1`;
        await tools.podman(['pull', '--quiet', ref]);
        const image = await inspect(ref);
        assert.equal(image.Architecture, host.architecture);
        assert.equal(image.Id, childManifest.config.digest.slice('sha256:'.length));
        await assertManifestServed(target, 'e2e/podman/multi', 'v1', index.top);
      });

      it('finds pushed repositories with podman search', async () => {
        const found = await tools.podman(['search', '--format', '{{.Name}}', `${target.host}/e2e/podman`]);
        const names = found.stdout.split('\n').filter(Boolean);
        assert.ok(names.includes(`${target.host}/e2e/podman/src`), `podman search listed: ${names.join(', ')}`);
        assert.ok(names.includes(`${target.host}/e2e/podman/copy`), `podman search listed: ${names.join(', ')}`);
      });
    });
  }
});
