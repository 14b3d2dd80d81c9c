/**
 * buildah against the registry: an image built from scratch travels there and back with its
 * file intact, and a two-platform manifest list is pushed with `manifest push --all`.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertManifestServed } from './support/assertions.js';
import { containersTools, type ContainersTools } from './support/containers-tools.js';
import { mediaTypes, type Descriptor } from './support/oci-layout.js';
import { startTarget, transports, type Target } from './support/registry-under-test.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

describe('buildah', () => {
  let ws: Workspace;
  before(async () => {
    ws = await createWorkspace('buildah');
  });
  after(async () => {
    await ws?.cleanup();
  });

  for (const transport of transports) {
    describe(`over ${transport}`, () => {
      let target: Target;
      let tools: ContainersTools;
      before(async () => {
        target = await startTarget(transport, ws.ca);
        tools = await containersTools(ws.subdir(`containers-${transport}`), target);
      });
      after(async () => {
        await target?.stop();
      });

      /** A scratch image holding one file, committed to local storage; returns its image ID. */
      const buildScratch = async (tag: string, file: string, content: string, arch?: string) => {
        const container = (await tools.buildah(['from', 'scratch'])).stdout.trim();
        const source = join(tools.dir, `${file}-${Date.now()}`);
        await writeFile(source, content);
        await tools.buildah(['copy', '--quiet', container, source, `/${file}`]);
        const config = ['config', '--label', `org.example.e2e=${transport}`, '--cmd', `/${file}`];
        if (arch) config.push('--os', 'linux', '--arch', arch);
        await tools.buildah([...config, container]);
        const id = (await tools.buildah(['commit', '--quiet', '--rm', container, tag])).stdout.trim();
        return id;
      };

      it('pushes an image built from scratch and pulls the same file back', async () => {
        const content = `built by buildah over ${transport}\n`;
        const id = await buildScratch('localhost/e2e-scratch:built', 'hello.txt', content);
        const digestFile = join(tools.dir, 'scratch.digest');
        const remote = `${target.host}/e2e/buildah/scratch:v1`;
        await tools.buildah(['push', '--quiet', '--digestfile', digestFile, 'localhost/e2e-scratch:built', `docker://${remote}`]);
        const pushedDigest = (await readFile(digestFile, 'utf8')).trim();
        const head = await target.headManifest('e2e/buildah/scratch', 'v1');
        assert.equal(head.status, 200);
        assert.equal(head.headers['docker-content-digest'], pushedDigest);
        const manifest = (await target.getManifest('e2e/buildah/scratch', 'v1')).json<{ config: Descriptor; layers: Descriptor[] }>();
        assert.equal(manifest.config.digest, `sha256:${id}`, 'the registry holds the config buildah committed');
        assert.equal(manifest.layers.length, 1);

        await tools.buildah(['rmi', '--force', 'localhost/e2e-scratch:built']);
        await tools.buildah(['pull', '--quiet', remote]);
        const container = (await tools.buildah(['from', remote])).stdout.trim();
        try {
          const root = (await tools.buildah(['mount', container])).stdout.trim();
          assert.equal(await readFile(join(root, 'hello.txt'), 'utf8'), content);
          const images = JSON.parse((await tools.buildah(['images', '--json', '--no-trunc', remote])).stdout) as { id: string }[];
          assert.equal(images[0]?.id.replace(/^sha256:/, ''), id, 'the pulled image has the ID it was built with');
        } finally {
          await tools.buildah(['rm', container]);
        }
      });

      it('pushes a two-platform manifest list with manifest push --all', async () => {
        const list = 'localhost/e2e-list:v1';
        await tools.buildah(['manifest', 'create', list]);
        for (const arch of ['amd64', 'arm64']) {
          const tag = `localhost/e2e-list-${arch}:built`;
          await buildScratch(tag, 'arch.txt', `${arch}\n`, arch);
          await tools.buildah(['manifest', 'add', list, `containers-storage:${tag}`]);
        }
        const digestFile = join(tools.dir, 'list.digest');
        // manifest push ignores registries.conf's `insecure`, unlike every other buildah command.
        const tlsVerify = target.transport === 'plain' ? ['--tls-verify=false'] : [];
        await tools.buildah([
          'manifest', 'push', '--all', '--quiet', ...tlsVerify, '--digestfile', digestFile,
          list, `docker://${target.host}/e2e/buildah/list:v1`,
        ]);
        const pushedDigest = (await readFile(digestFile, 'utf8')).trim();

        const response = await target.getManifest('e2e/buildah/list', 'v1');
        assert.equal(response.status, 200);
        assert.equal(response.headers['docker-content-digest'], pushedDigest);
        const index = response.json<{ mediaType?: string; manifests: Descriptor[] }>();
        assert.ok(
          [mediaTypes.ociIndex, mediaTypes.dockerList].includes(String(response.headers['content-type']) as typeof mediaTypes.ociIndex),
          `Content-Type ${String(response.headers['content-type'])}`,
        );
        assert.deepEqual(index.manifests.map((m) => m.platform?.architecture).sort(), ['amd64', 'arm64']);
        for (const child of index.manifests) await assertManifestServed(target, 'e2e/buildah/list', child.digest, child);

        const arm = JSON.parse(
          (await tools.skopeo(['inspect', '--override-arch', 'arm64', '--override-os', 'linux', `docker://${target.host}/e2e/buildah/list:v1`])).stdout,
        ) as { Architecture: string; Labels: Record<string, string> };
        assert.equal(arm.Architecture, 'arm64');
        assert.equal(arm.Labels['org.example.e2e'], transport);
      });
    });
  }
});
