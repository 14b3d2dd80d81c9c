/**
 * The images every e2e test pushes, generated locally (nothing may be downloaded): each one is
 * an OCI image layout directory that skopeo copies with `oci:DIR:REF`. Contents are fixed, so a
 * digest seen after a round trip through the registry can be compared with the one made here.
 */
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { jsonBytes, mediaTypes, OciLayoutWriter, sha256, type Descriptor, type Platform } from './oci-layout.js';
import { tar, type TarEntry } from './tar.js';

export interface TestImage {
  /** Layout directory; the image is `oci:${dir}:${ref}`. */
  dir: string;
  ref: string;
  /** Descriptor of the top manifest or index (no annotations: as a registry would describe it). */
  top: Descriptor;
  /** The top manifest or index exactly as written, i.e. what `inspect --raw` must return. */
  bytes: Buffer;
  /** For an index, its child manifests in order. */
  children: Descriptor[];
  /** Every config, layer and child manifest the top reaches. */
  reachable: string[];
}

export interface TestImages {
  /** (a) one platform (the host's), three layers. */
  single: TestImage;
  /** (b) an index over linux/amd64, linux/arm64, linux/s390x, each child with its own layer. */
  index: TestImage;
  /** (c) an OCI artifact: empty config, one text/plain layer, artifactType set. */
  artifact: TestImage;
  /** (d) a signature-like referrer whose `subject` is (a). */
  signature: TestImage;
  /** (e) shaped like `helm push` output. */
  helm: TestImage;
}

export const emptyConfig = Buffer.from('{}');
export const artifactType = 'application/vnd.berth.e2e.note.v1';
export const signatureArtifactType = 'application/vnd.dev.cosign.artifact.sig.v1+json';
export const indexPlatforms: readonly Platform[] = [
  { architecture: 'amd64', os: 'linux' },
  { architecture: 'arm64', os: 'linux', variant: 'v8' },
  { architecture: 's390x', os: 'linux' },
];

export function hostPlatform(): Platform {
  const architecture =
    ({ x64: 'amd64', arm64: 'arm64', s390x: 's390x', ppc64: 'ppc64le', ia32: '386' } as Record<string, string>)[
      process.arch
    ] ?? process.arch;
  return { architecture, os: 'linux' };
}

export async function generateImages(root: string): Promise<TestImages> {
  const single = await imageLayout(join(root, 'single'), 'v1', hostPlatform(), [
    [{ path: 'etc' }, { path: 'etc/os-release', content: 'NAME="Berth e2e"\nID=berth-e2e\n' }],
    [{ path: 'hello', content: '#!/bin/sh\necho hello from berth\n', mode: 0o755 }],
    [{ path: 'data' }, { path: 'data/numbers.txt', content: Array.from({ length: 2000 }, (_, i) => `${i}\n`).join('') }],
  ]);
  const index = await indexLayout(join(root, 'index'), 'multi');
  const artifact = await artifactLayout(join(root, 'artifact'), 'note');
  const signature = await signatureLayout(join(root, 'signature'), 'sig', single.top);
  const helm = await helmLayout(join(root, 'helm'), '0.1.0');
  return { single, index, artifact, signature, helm };
}

interface BuiltManifest {
  descriptor: Descriptor;
  bytes: Buffer;
  reachable: string[];
}

async function imageManifest(
  layout: OciLayoutWriter,
  platform: Platform,
  layers: readonly TarEntry[][],
): Promise<BuiltManifest> {
  const layerDescriptors: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const entries of layers) {
    const raw = tar(entries);
    diffIds.push(sha256(raw));
    layerDescriptors.push(await layout.addBlob(mediaTypes.ociLayerGzip, gzipSync(raw)));
  }
  const config = await layout.addBlob(
    mediaTypes.ociConfig,
    jsonBytes({
      created: '2024-01-01T00:00:00Z',
      ...platform,
      config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['/hello'], Labels: { 'org.example.e2e': platform.architecture } },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `berth-e2e layer ${i}` })),
    }),
  );
  return manifest(layout, { schemaVersion: 2, mediaType: mediaTypes.ociManifest, config, layers: layerDescriptors });
}

async function manifest(layout: OciLayoutWriter, body: { mediaType: string; config: Descriptor; layers: Descriptor[] } & Record<string, unknown>): Promise<BuiltManifest> {
  const bytes = jsonBytes(body);
  const descriptor = await layout.addBlob(body.mediaType, bytes);
  return { descriptor, bytes, reachable: [body.config.digest, ...body.layers.map((l) => l.digest)] };
}

async function finish(layout: OciLayoutWriter, ref: string, built: BuiltManifest): Promise<TestImage> {
  layout.tag(built.descriptor, ref);
  await layout.finish();
  return { dir: layout.dir, ref, top: built.descriptor, bytes: built.bytes, children: [], reachable: built.reachable };
}

async function imageLayout(dir: string, ref: string, platform: Platform, layers: readonly TarEntry[][]): Promise<TestImage> {
  const layout = new OciLayoutWriter(dir);
  return finish(layout, ref, await imageManifest(layout, platform, layers));
}

async function indexLayout(dir: string, ref: string): Promise<TestImage> {
  const layout = new OciLayoutWriter(dir);
  const children: Descriptor[] = [];
  const reachable: string[] = [];
  for (const platform of indexPlatforms) {
    // Distinct content per platform, so a client that mixed up children would see other digests.
    const child = await imageManifest(layout, platform, [
      [{ path: 'arch', content: `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}\n` }],
      [{ path: 'shared.txt', content: 'the same bytes in every child\n' }],
    ]);
    children.push({ ...child.descriptor, platform });
    reachable.push(child.descriptor.digest, ...child.reachable);
  }
  const bytes = jsonBytes({ schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests: children });
  const descriptor = await layout.addBlob(mediaTypes.ociIndex, bytes);
  layout.tag(descriptor, ref);
  await layout.finish();
  return { dir, ref, top: descriptor, bytes, children, reachable };
}

async function artifactLayout(dir: string, ref: string): Promise<TestImage> {
  const layout = new OciLayoutWriter(dir);
  const config = await layout.addBlob(mediaTypes.ociEmpty, emptyConfig);
  const note = await layout.addBlob('text/plain', Buffer.from('a note carried as an OCI artifact\n'), {
    annotations: { 'org.opencontainers.image.title': 'note.txt' },
  });
  return finish(
    layout,
    ref,
    await manifest(layout, { schemaVersion: 2, mediaType: mediaTypes.ociManifest, artifactType, config, layers: [note] }),
  );
}

async function signatureLayout(dir: string, ref: string, subject: Descriptor): Promise<TestImage> {
  const layout = new OciLayoutWriter(dir);
  const config = await layout.addBlob(mediaTypes.ociEmpty, emptyConfig);
  const payload = await layout.addBlob(
    'application/vnd.dev.cosign.simplesigning.v1+json',
    jsonBytes({ critical: { identity: { 'docker-reference': 'e2e' }, image: { 'docker-manifest-digest': subject.digest }, type: 'cosign container image signature' }, optional: null }),
    { annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQDe2eNotARealSignature' } },
  );
  return finish(
    layout,
    ref,
    await manifest(layout, {
      schemaVersion: 2,
      mediaType: mediaTypes.ociManifest,
      artifactType: signatureArtifactType,
      config,
      layers: [payload],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    }),
  );
}

async function helmLayout(dir: string, ref: string): Promise<TestImage> {
  const layout = new OciLayoutWriter(dir);
  const config = await layout.addBlob(
    'application/vnd.cncf.helm.config.v1+json',
    jsonBytes({ apiVersion: 'v2', name: 'e2e-chart', version: ref, description: 'helm-shaped test chart', type: 'application' }),
  );
  const chart = await layout.addBlob(
    'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
    gzipSync(
      tar([
        { path: 'e2e-chart' },
        { path: 'e2e-chart/Chart.yaml', content: `apiVersion: v2\nname: e2e-chart\nversion: ${ref}\n` },
        { path: 'e2e-chart/values.yaml', content: 'replicaCount: 1\n' },
      ]),
    ),
  );
  return finish(layout, ref, await manifest(layout, { schemaVersion: 2, mediaType: mediaTypes.ociManifest, config, layers: [chart] }));
}
