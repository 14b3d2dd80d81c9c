/**
 * skopeo (containers/image) against the registry: every generated layout is pushed, read back
 * byte-exact, pulled back with the same blobs, listed, and deleted.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertLayoutMatches, assertManifestGone, assertManifestServed, tagsOf } from './support/assertions.js';
import { containersTools, type ContainersTools } from './support/containers-tools.js';
import { signatureArtifactType, type TestImage } from './support/image-layouts.js';
import { readLayout, type Descriptor } from './support/oci-layout.js';
import { startTarget, transports, type Target } from './support/registry-under-test.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

describe('skopeo', () => {
  let ws: Workspace;
  before(async () => {
    ws = await createWorkspace('skopeo');
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

      const ref = (name: string) => `docker://${target.host}/${name}`;
      // --preserve-digests makes skopeo refuse any edit, so a registry that altered a byte fails the push.
      const push = (image: TestImage, name: string, extra: string[] = []) =>
        tools.skopeo(['copy', '--quiet', '--preserve-digests', ...extra, `oci:${image.dir}:${image.ref}`, ref(name)]);
      const pullBack = async (name: string, image: TestImage, extra: string[] = []) => {
        const dir = join(tools.dir, `pulled-${name.replace(/[/:@]/g, '_')}-${Date.now()}`);
        await tools.skopeo(['copy', '--quiet', '--preserve-digests', ...extra, ref(name), `oci:${dir}:${image.ref}`]);
        await assertLayoutMatches(dir, image);
      };
      const inspectRaw = async (name: string) => (await tools.skopeo(['inspect', '--raw', ref(name)])).stdout;

      it('pushes a single-arch image to a nested namespace and serves the manifest byte-exact', async () => {
        const { single } = ws.images;
        await push(single, 'e2e/team/app:v1');
        assert.equal(await inspectRaw('e2e/team/app:v1'), single.bytes.toString('utf8'));
        await assertManifestServed(target, 'e2e/team/app', 'v1', single.top);
        await assertManifestServed(target, 'e2e/team/app', single.top.digest, single.top);
      });

      if (transport === 'tls') {
        it('refuses the registry certificate when the test CA is not trusted', async () => {
          const noCa = join(tools.dir, 'no-test-ca.crt');
          await writeFile(noCa, '');
          const result = await tools.skopeo(['inspect', '--raw', ref('e2e/team/app:v1')], {
            allowFailure: true,
            env: { SSL_CERT_FILE: noCa },
          });
          assert.notEqual(result.code, 0, 'skopeo trusted a certificate from an unknown CA');
          assert.match(result.stderr, /x509|certificate/);
        });
      }

      it('pulls the image back into a fresh layout with the same blobs', async () => {
        await pullBack('e2e/team/app:v1', ws.images.single);
      });

      it('lists every tag pushed to a repository', async () => {
        await push(ws.images.single, 'e2e/team/app:v2');
        const listed = JSON.parse((await tools.skopeo(['list-tags', ref('e2e/team/app')])).stdout) as { Tags: string[] };
        assert.deepEqual([...listed.Tags].sort(), ['v1', 'v2']);
      });

      it('copies a 3-platform index with --all, children byte-exact', async () => {
        const { index } = ws.images;
        await push(index, 'e2e/team/multi:v1', ['--all']);
        assert.equal(await inspectRaw('e2e/team/multi:v1'), index.bytes.toString('utf8'));
        await assertManifestServed(target, 'e2e/team/multi', 'v1', index.top);
        for (const child of index.children) await assertManifestServed(target, 'e2e/team/multi', child.digest, child);
        await pullBack('e2e/team/multi:v1', index, ['--all']);
      });

      it('resolves each platform of the index to its own child', async () => {
        const { index } = ws.images;
        const layout = await readLayout(index.dir);
        for (const child of index.children) {
          const platform = child.platform;
          assert.ok(platform);
          const expected = JSON.parse((await layout.readBlob(child.digest)).toString('utf8')) as { layers: Descriptor[] };
          const args = ['inspect', '--override-os', platform.os, '--override-arch', platform.architecture];
          if (platform.variant) args.push('--override-variant', platform.variant);
          // skopeo reports the index's digest here, so the child is recognised by its layers.
          const info = JSON.parse((await tools.skopeo([...args, ref('e2e/team/multi:v1')])).stdout) as {
            Architecture: string;
            Layers: string[];
          };
          assert.equal(info.Architecture, platform.architecture);
          assert.deepEqual(info.Layers, expected.layers.map((l) => l.digest), `layers for ${platform.architecture}`);
        }
      });

      it('copies an OCI artifact (empty config, text/plain layer, artifactType) byte-exact', async () => {
        const { artifact } = ws.images;
        await push(artifact, 'e2e/artifacts/note:v1', ['--format', 'oci']);
        assert.equal(await inspectRaw('e2e/artifacts/note:v1'), artifact.bytes.toString('utf8'));
        await assertManifestServed(target, 'e2e/artifacts/note', 'v1', artifact.top);
        await pullBack('e2e/artifacts/note:v1', artifact, ['--format', 'oci']);
      });

      it('copies a helm-shaped chart byte-exact', async () => {
        const { helm } = ws.images;
        await push(helm, 'e2e/charts/e2e-chart:0.1.0', ['--format', 'oci']);
        assert.equal(await inspectRaw('e2e/charts/e2e-chart:0.1.0'), helm.bytes.toString('utf8'));
        await assertManifestServed(target, 'e2e/charts/e2e-chart', '0.1.0', helm.top);
        await pullBack('e2e/charts/e2e-chart:0.1.0', helm, ['--format', 'oci']);
      });

      it('stores a referrer whose subject is the image, byte-exact', async (t) => {
        const { signature, single } = ws.images;
        await push(signature, 'e2e/team/app:sig', ['--format', 'oci']);
        const raw = await inspectRaw('e2e/team/app:sig');
        assert.equal(raw, signature.bytes.toString('utf8'));
        assert.equal((JSON.parse(raw) as { subject: { digest: string } }).subject.digest, single.top.digest);

        const referrers = await target.request(`/v2/e2e/team/app/referrers/${single.top.digest}`);
        if (referrers.status === 404 && target.kind === 'distribution') {
          t.skip('Distribution 2.8 has no referrers API');
          return;
        }
        assert.equal(referrers.status, 200, `GET referrers → ${referrers.status} ${referrers.text()}`);
        const listed = referrers.json<{ manifests: { digest: string; artifactType?: string }[] }>();
        assert.deepEqual(
          listed.manifests.map((m) => [m.digest, m.artifactType]),
          [[signature.top.digest, signatureArtifactType]],
        );
      });

      it('deletes a manifest by tag, leaving the same image in another repository', async () => {
        const { single } = ws.images;
        await push(single, 'e2e/other/app:doomed');
        await tools.skopeo(['delete', ref('e2e/other/app:doomed')]);
        await assertManifestGone(target, 'e2e/other/app', 'doomed');
        await assertManifestGone(target, 'e2e/other/app', single.top.digest);
        await assertManifestServed(target, 'e2e/team/app', 'v1', single.top);
        await pullBack('e2e/team/app:v1', single);
      });

      it('deletes a manifest by digest', async () => {
        const { helm } = ws.images;
        await tools.skopeo(['delete', ref(`e2e/charts/e2e-chart@${helm.top.digest}`)]);
        await assertManifestGone(target, 'e2e/charts/e2e-chart', helm.top.digest);
        await assertManifestGone(target, 'e2e/charts/e2e-chart', '0.1.0');
        assert.deepEqual(await tagsOf(target, 'e2e/team/app').then((tags) => tags.sort()), ['sig', 'v1', 'v2']);
      });
    });
  }
});
