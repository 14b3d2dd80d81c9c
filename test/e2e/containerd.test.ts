/**
 * containerd's ctr against the registry: pull what skopeo pushed, push it under a new name,
 * pull that back, and carry a whole multi-platform index with --all-platforms. containerd
 * moves manifests byte for byte, so digests must survive every hop.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertManifestServed, tagsOf } from './support/assertions.js';
import { startContainerd, type Containerd } from './support/containerd-daemon.js';
import { containersTools } from './support/containers-tools.js';
import { startTarget, transports, type Target } from './support/registry-under-test.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

interface ListedImage {
  ref: string;
  digest: string;
  platforms: string;
}

describe('containerd (ctr)', () => {
  let ws: Workspace;
  let containerd: Containerd;
  before(async () => {
    ws = await createWorkspace('ctr');
    containerd = await startContainerd(ws.subdir('containerd'));
  });
  after(async () => {
    await containerd?.stop();
    await ws?.cleanup();
  });

  for (const transport of transports) {
    describe(`over ${transport}`, () => {
      let target: Target;
      let registryArgs: string[];
      before(async () => {
        target = await startTarget(transport, ws.ca);
        registryArgs = await containerd.registryArgs(target);
        const skopeo = await containersTools(ws.subdir(`containers-${transport}`), target);
        const { single, index } = ws.images;
        await skopeo.skopeo(['copy', '--quiet', '--preserve-digests', `oci:${single.dir}:${single.ref}`, `docker://${target.host}/e2e/ctr/src:v1`]);
        await skopeo.skopeo(['copy', '--quiet', '--preserve-digests', '--all', `oci:${index.dir}:${index.ref}`, `docker://${target.host}/e2e/ctr/multi:v1`]);
      });
      after(async () => {
        await target?.stop();
      });

      const listed = async (ref: string): Promise<ListedImage | undefined> => {
        const { stdout } = await containerd.ctr(['images', 'ls']);
        for (const line of stdout.split('\n').slice(1)) {
          // REF TYPE DIGEST SIZE(two words) PLATFORMS LABELS
          const cols = line.trim().split(/\s+/);
          if (cols[0] === ref) return { ref, digest: cols[2], platforms: cols[5] ?? '' };
        }
        return undefined;
      };
      const pull = (ref: string, extra: string[] = []) => containerd.ctr(['images', 'pull', ...registryArgs, ...extra, ref]);
      const push = (remote: string, local: string) => containerd.ctr(['images', 'push', ...registryArgs, remote, local]);
      const remove = (...refs: string[]) => containerd.ctr(['images', 'rm', ...refs]);

      it('pulls an image with the digest that was pushed', async () => {
        const ref = `${target.host}/e2e/ctr/src:v1`;
        await pull(ref);
        assert.equal((await listed(ref))?.digest, ws.images.single.top.digest);
      });

      it('pushes the image under a new name, byte-identical, and pulls it back', async () => {
        const source = `${target.host}/e2e/ctr/src:v1`;
        const copy = `${target.host}/e2e/ctr/copy:v2`;
        await push(copy, source);
        await assertManifestServed(target, 'e2e/ctr/copy', 'v2', ws.images.single.top);
        assert.deepEqual(await tagsOf(target, 'e2e/ctr/copy'), ['v2']);
        await remove(source);
        await pull(copy);
        assert.equal((await listed(copy))?.digest, ws.images.single.top.digest);
      });

      it('carries a 3-platform index with --all-platforms', async () => {
        const { index } = ws.images;
        const source = `${target.host}/e2e/ctr/multi:v1`;
        const copy = `${target.host}/e2e/ctr/multi-copy:v1`;
        await pull(source, ['--all-platforms']);
        const image = await listed(source);
        assert.equal(image?.digest, index.top.digest);
        assert.deepEqual(image?.platforms.split(',').sort(), ['linux/amd64', 'linux/arm64/v8', 'linux/s390x']);

        await push(copy, source);
        await assertManifestServed(target, 'e2e/ctr/multi-copy', 'v1', index.top);
        for (const child of index.children) await assertManifestServed(target, 'e2e/ctr/multi-copy', child.digest, child);
        await remove(source, copy);
        await pull(copy, ['--all-platforms']);
        assert.equal((await listed(copy))?.digest, index.top.digest);
      });
    });
  }
});
