/**
 * Writes a local OCI image layout for the skopeo rows: `layers` layers of 1–4 MiB of random
 * bytes, really gzip-compressed (at level 1: random data does not shrink, and a layer that only
 * claimed to be gzip could make skopeo recompress it, timing the client instead of the registry).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sha256 } from './data.js';
import { MiB } from './load-result.js';
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST } from './oci.js';

export interface Layout {
  dir: string;
  /** The reference skopeo uses: `oci:<dir>:<tag>`. */
  tag: string;
  bytes: number;
}

export async function writeLayout(dir: string, layers: number): Promise<Layout> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (bytes: Buffer): Promise<{ digest: string; size: number }> => {
    const digest = sha256(bytes);
    await writeFile(join(blobs, digest.slice('sha256:'.length)), bytes);
    return { digest, size: bytes.length };
  };

  const layerDescriptors: { mediaType: string; digest: string; size: number }[] = [];
  const diffIds: string[] = [];
  let total = 0;
  for (let i = 0; i < layers; i++) {
    // Sizes spread over 1–4 MiB without a seed to manage.
    const raw = randomBytes(MiB + Math.floor(((i * 7) % 10) * 0.3 * MiB));
    diffIds.push(sha256(raw));
    const layer = await put(gzipSync(raw, { level: 1 }));
    layerDescriptors.push({ mediaType: OCI_LAYER_GZIP, ...layer });
    total += layer.size;
  }
  const config = await put(
    Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } }),
    ),
  );
  const manifest = await put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, ...config },
        layers: layerDescriptors,
      }),
    ),
  );
  const tag = 'bench';
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } },
      ],
    }),
  );
  return { dir, tag, bytes: total + config.size + manifest.size };
}
