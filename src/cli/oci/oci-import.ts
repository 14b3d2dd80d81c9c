/**
 * `berth import oci DIR|FILE.tar --to REPOSITORY`: reads an OCI image layout back into one
 * repository through the registry's use cases (blobs through upload sessions, so each is
 * verified by its digest; manifests through ManifestService.put). Every index.json entry is
 * imported with what it reaches; an entry's `org.opencontainers.image.ref.name` becomes its
 * tag (the part after the last ':' when it is `REPOSITORY:TAG`, as `berth export` writes for
 * several repositories); an entry without one is imported by digest only.
 *
 * The layout is untrusted input: no symbolic link is followed (one is refused, wherever it
 * points), every path is built from a validated digest, index.json and manifests have size
 * limits, and each manifest's bytes must hash to the digest that names them.
 */
import { constants, createReadStream } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DigestInvalidError, RegistryError } from '../../core/errors.js';
import { digestOf } from '../../core/registry/digest-hasher.js';
import { parseManifest } from '../../core/manifest/parse-manifest.js';
import { isValidTag } from '../../core/reference/reference.js';
import type { Registry } from '../../core/registry/registry.js';
import type { Skipped } from '../import/registry2-import.js';
import { REF_NAME } from './oci-export.js';

/** Opened without following a link swapped in after the checks. */
const NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export class LayoutRefusedError extends Error {}

export interface OciImportSummary {
  tags: number;
  manifests: number;
  blobs: number;
  bytes: number;
  alreadyThere: number;
  skipped: Skipped[];
}

export interface OciImportLimits {
  maxIndexBytes: number;
  maxManifestBytes: number;
}

export async function importLayout(dir: string, registry: Registry, repository: string, limits: OciImportLimits): Promise<OciImportSummary> {
  const top = await lstat(dir).catch(() => undefined);
  if (!top?.isDirectory()) throw new LayoutRefusedError(`${dir} is not a directory`);
  const layoutFile = await readRegular(dir, 'oci-layout', 4096);
  let version: unknown;
  try {
    version = (JSON.parse(layoutFile.toString('utf8')) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
  } catch {
    version = undefined;
  }
  if (typeof version !== 'string') throw new LayoutRefusedError(`${dir}/oci-layout is not an OCI layout marker (no imageLayoutVersion)`);
  const index = await readRegular(dir, 'index.json', limits.maxIndexBytes);
  let entries: { digest: string; ref?: string }[];
  try {
    const doc = JSON.parse(index.toString('utf8')) as { manifests?: unknown };
    if (!Array.isArray(doc.manifests)) throw new Error('no manifests array');
    entries = doc.manifests.map((m: unknown) => {
      const d = m as { digest?: unknown; annotations?: Record<string, unknown> };
      if (typeof d.digest !== 'string' || !DIGEST.test(d.digest)) throw new Error(`an entry has an invalid digest`);
      const ref = d.annotations?.[REF_NAME];
      return { digest: d.digest, ...(typeof ref === 'string' ? { ref } : {}) };
    });
  } catch (error) {
    throw new LayoutRefusedError(`${dir}/index.json is not an OCI index: ${(error as Error).message}`);
  }
  const blobsDir = await lstat(join(dir, 'blobs')).catch(() => undefined);
  if (!blobsDir?.isDirectory()) throw new LayoutRefusedError(`${dir}/blobs is missing or is not a directory (symbolic links are not followed)`);
  // Before anything is imported: a layout with a link anywhere is refused whole, even where the
  // registry already holds the digest and would not have read that file.
  await refuseLinks(dir, join(dir, 'blobs'));

  const { metadata } = registry.deps;
  const summary: OciImportSummary = { tags: 0, manifests: 0, blobs: 0, bytes: 0, alreadyThere: 0, skipped: [] };
  const skip = (reason: Skipped['reason'], what: string, detail?: string) =>
    summary.skipped.push({ reason, repository, what, ...(detail === undefined ? {} : { detail }) });
  const done = new Map<string, { body: Buffer; mediaType: string } | undefined>();

  const blobFile = async (digest: string): Promise<string> => {
    const [algorithm, hex] = digest.split(':') as [string, string];
    const algorithmDir = await lstat(join(dir, 'blobs', algorithm)).catch(() => undefined);
    if (algorithmDir !== undefined && !algorithmDir.isDirectory()) throw new LayoutRefusedError(`${dir}/blobs/${algorithm} is not a directory (symbolic links are not followed)`);
    const path = join(dir, 'blobs', algorithm, hex);
    const info = await lstat(path).catch(() => undefined);
    if (info?.isSymbolicLink()) throw new LayoutRefusedError(`${dir}/blobs/${algorithm}/${hex} is a symbolic link; a layout's blobs must be files in it`);
    return path;
  };

  const importManifest = async (digest: string): Promise<{ body: Buffer; mediaType: string } | undefined> => {
    if (done.has(digest)) return done.get(digest);
    done.set(digest, undefined);
    const existing = await metadata.manifest(repository, digest);
    if (existing) {
      summary.alreadyThere += 1;
      done.set(digest, { body: existing.body, mediaType: existing.mediaType });
      return done.get(digest);
    }
    const path = await blobFile(digest);
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isFile()) return void skip('dangling link', digest, 'the layout has no blob for this manifest');
    if (info.size > limits.maxManifestBytes) return void skip('refused', digest, `manifest of ${info.size} bytes is over the limit of ${limits.maxManifestBytes}`);
    const body = await readFileAt(path);
    if (digestOf(digest.startsWith('sha512:') ? 'sha512' : 'sha256', body) !== digest) return void skip('corrupt blob', digest, 'the manifest does not hash to its digest');
    let parsed;
    try {
      parsed = parseManifest(body, undefined);
    } catch (error) {
      return void skip('unknown media type', digest, (error as Error).message);
    }
    for (const child of parsed.manifests) await importManifest(child);
    for (const blob of parsed.blobs) {
      if (!DIGEST.test(blob)) continue;
      if (await metadata.linkedBlob(repository, blob)) {
        summary.alreadyThere += 1;
        continue;
      }
      if (await registry.blobs.mount(repository, blob, undefined)) {
        summary.blobs += 1;
        continue;
      }
      const file = await blobFile(blob);
      const blobInfo = await lstat(file).catch(() => undefined);
      if (!blobInfo?.isFile()) {
        skip('dangling link', blob, 'the layout has no blob for this digest');
        continue;
      }
      try {
        const result = await registry.uploads.importFile(repository, blob, file, async () => (await open(file, NO_FOLLOW)).createReadStream(), { link: false, size: blobInfo.size });
        summary.blobs += 1;
        summary.bytes += result.size;
      } catch (error) {
        if (!(error instanceof DigestInvalidError)) throw error;
        skip('corrupt blob', blob, 'its bytes do not hash to its digest');
      }
    }
    try {
      await registry.manifests.put(repository, digest, body, parsed.mediaType);
      summary.manifests += 1;
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      return void skip(/unknown blob|manifest\(s\)/.test(error.message) ? 'missing reference' : 'refused', digest, error.message);
    }
    done.set(digest, { body, mediaType: parsed.mediaType });
    return done.get(digest);
  };

  for (const entry of entries) {
    const manifest = await importManifest(entry.digest);
    if (manifest === undefined || entry.ref === undefined) continue;
    const tag = entry.ref.slice(entry.ref.lastIndexOf(':') + 1);
    if (!isValidTag(tag)) {
      skip('refused', entry.ref, 'the ref.name annotation is not a valid tag');
      continue;
    }
    if ((await metadata.manifestByTag(repository, tag))?.digest === entry.digest) {
      summary.alreadyThere += 1;
      continue;
    }
    try {
      await registry.manifests.put(repository, tag, manifest.body, manifest.mediaType);
      summary.tags += 1;
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      skip('refused', tag, error.message);
    }
  }
  return summary;
}

async function refuseLinks(root: string, dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await refuseLinks(root, path);
    else if (!entry.isFile()) {
      throw new LayoutRefusedError(`${path} is ${entry.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; a layout's blobs must be files in it`);
    }
  }
}

/** A regular file of the layout's top level, refused when absent, a link, or over `limit`. */
async function readRegular(dir: string, name: string, limit: number): Promise<Buffer> {
  const path = join(dir, name);
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined) throw new LayoutRefusedError(`${dir} is not an OCI image layout: ${name} is missing`);
  if (!info.isFile()) throw new LayoutRefusedError(`${path} is not a regular file (symbolic links are not followed)`);
  if (info.size > limit) throw new LayoutRefusedError(`${path} is ${info.size} bytes; the limit is ${limit}`);
  return readFileAt(path);
}

async function readFileAt(path: string): Promise<Buffer> {
  const handle = await open(path, NO_FOLLOW);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
