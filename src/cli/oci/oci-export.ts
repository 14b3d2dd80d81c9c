/**
 * `berth export`: writes repositories or tags as an OCI image layout (image-spec
 * image-layout.md): `oci-layout`, `index.json` and `blobs/sha256/<hex>`. Everything is read
 * through the registry's use cases (ManifestService.get, BlobService.open), so a repository
 * only yields blobs it links. Each tag is one index.json entry whose
 * `org.opencontainers.image.ref.name` is the tag when every reference names one repository
 * (what `skopeo copy oci:DIR:TAG` selects), and `REPOSITORY:TAG` when several are exported
 * together, so two repositories' `latest` stay apart. Blobs are written once however many
 * images share them. Referrers are not followed: a layout holds what the tags reach.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { parseManifest } from '../../core/manifest/parse-manifest.js';
import type { Registry } from '../../core/registry/registry.js';
import { TarWriter } from './tar-writer.js';

export const REF_NAME = 'org.opencontainers.image.ref.name';
const LAYOUT_FILE = '{"imageLayoutVersion":"1.0.0"}';

export interface ExportRef {
  repository: string;
  tag?: string;
}

export interface ExportSummary {
  images: { ref: string; digest: string }[];
  manifests: number;
  blobs: number;
  bytes: number;
}

interface LayoutSink {
  blob(digest: string, size: number, body: Readable | Buffer): Promise<void>;
  finish(index: Buffer): Promise<void>;
}

export class ExportRefusedError extends Error {}

export async function exportLayout(registry: Registry, refs: ExportRef[], to: string): Promise<ExportSummary> {
  const sink = to.endsWith('.tar') ? await tarSink(to) : await dirSink(to);
  const oneRepository = new Set(refs.map((r) => r.repository)).size === 1;
  const written = new Set<string>();
  const summary: ExportSummary = { images: [], manifests: 0, blobs: 0, bytes: 0 };
  const entries: unknown[] = [];

  const writeManifest = async (repository: string, digest: string): Promise<{ mediaType: string; size: number }> => {
    const record = await registry.manifests.get(repository, digest);
    if (!written.has(digest)) {
      const parsed = parseManifest(record.body, record.mediaType);
      for (const child of parsed.manifests) await writeManifest(repository, child);
      for (const blob of parsed.blobs) {
        if (written.has(blob)) continue;
        const { size } = await registry.blobs.stat(repository, blob);
        await sink.blob(blob, size, await registry.blobs.open(repository, blob));
        written.add(blob);
        summary.blobs += 1;
        summary.bytes += size;
      }
      await sink.blob(digest, record.body.length, record.body);
      written.add(digest);
      summary.manifests += 1;
    }
    return { mediaType: record.mediaType, size: record.body.length };
  };

  for (const ref of refs) {
    const tags = ref.tag !== undefined ? [ref.tag] : await registry.deps.metadata.listTags(ref.repository, {});
    if (tags.length === 0) throw new ExportRefusedError(`${ref.repository} has no tags to export`);
    for (const tag of tags) {
      const top = await registry.manifests.get(ref.repository, tag);
      const { mediaType, size } = await writeManifest(ref.repository, top.digest);
      const name = oneRepository ? tag : `${ref.repository}:${tag}`;
      entries.push({ mediaType, digest: top.digest, size, annotations: { [REF_NAME]: name } });
      summary.images.push({ ref: `${ref.repository}:${tag}`, digest: top.digest });
    }
  }
  await sink.finish(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries })));
  return summary;
}

/** A directory that does not exist yet or is empty. */
async function dirSink(dir: string): Promise<LayoutSink> {
  const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (existing.length > 0) throw new ExportRefusedError(`${dir} is not empty; export into a new or empty directory`);
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), LAYOUT_FILE);
  return {
    async blob(digest, _size, body) {
      const [algorithm, hex] = digest.split(':') as [string, string];
      await mkdir(join(dir, 'blobs', algorithm), { recursive: true });
      const path = join(dir, 'blobs', algorithm, hex);
      const temporary = `${path}.partial`;
      if (Buffer.isBuffer(body)) await writeFile(temporary, body);
      else await pipeline(body, createWriteStream(temporary));
      await rename(temporary, path);
    },
    // Last: a layout with an index.json is complete.
    finish: (index) => writeFile(join(dir, 'index.json'), index),
  };
}

async function tarSink(file: string): Promise<LayoutSink> {
  const out = createWriteStream(file, { flags: 'wx' });
  await new Promise<void>((ok, fail) => {
    out.once('open', () => ok());
    out.once('error', (error: NodeJS.ErrnoException) =>
      fail(error.code === 'EEXIST' ? new ExportRefusedError(`${file} exists; export into a new file`) : error),
    );
  });
  const tar = new TarWriter(out);
  await tar.file('oci-layout', LAYOUT_FILE.length, Buffer.from(LAYOUT_FILE));
  await tar.directory('blobs');
  await tar.directory('blobs/sha256');
  return {
    blob: (digest, size, body) => tar.file(`blobs/${digest.replace(':', '/')}`, size, body),
    async finish(index) {
      await tar.file('index.json', index.length, index);
      await tar.end();
    },
  };
}
