/**
 * Untimed set-up shared by rows: blobs to pull, a small image, thousands of repositories or tags.
 * Seeding goes through the public API (so it works for any registry) at high concurrency, and
 * uses cross-repo mounts so each extra repository costs two small requests.
 */
import { BlobFamily, patternBlob, sha256, type Blob } from './data.js';
import { MiB } from './load-result.js';
import { OCI_CONFIG, OCI_EMPTY, OCI_LAYER_GZIP, OCI_MANIFEST, type UploadMode } from './oci.js';
import { runPool } from './pool.js';
import type { BenchContext } from './workload.js';

const SEED_CONCURRENCY = 32;

function bufferBlob(bytes: Buffer): Blob {
  return { digest: sha256(bytes), body: { parts: [bytes], length: bytes.length } };
}

export const EMPTY_BLOB = bufferBlob(Buffer.from('{}'));

export function uploadMode(ctx: BenchContext): Promise<UploadMode> {
  return ctx.fixture('upload-mode', () =>
    ctx.registry(1).uploadMode('bench/probe', bufferBlob(Buffer.from('berth-bench upload probe\n'))),
  );
}

/** Distinct 1 MiB blobs in `bench/pull`, for the pull and HEAD rows. */
export function pullSet(ctx: BenchContext): Promise<{ repo: string; digests: string[] }> {
  return ctx.fixture('pull-set', async () => {
    const repo = 'bench/pull';
    const mode = await uploadMode(ctx);
    const registry = ctx.registry(8);
    const family = new BlobFamily('pullset');
    const blobs = Array.from({ length: ctx.profile.pullSetSize }, (_, i) => family.blob(i));
    await runPool({
      concurrency: 8,
      count: blobs.length,
      op: (i) => registry.pushBlob(repo, blobs[i], mode).then(() => blobs[i].body.length),
    });
    return { repo, digests: blobs.map((b) => b.digest) };
  });
}

/** The big pattern blob in `bench/big`, pushed once unless the push row already left it there. */
export function bigBlob(ctx: BenchContext): Promise<{ repo: string; blob: Blob }> {
  return ctx.fixture('big-blob', async () => {
    const repo = 'bench/big';
    const blob = patternBlob(ctx.profile.bigBlobBytes);
    const registry = ctx.registry(1);
    if (!(await registry.blobExists(repo, blob.digest))) {
      ctx.log(`  pushing the ${blob.body.length / MiB} MiB blob (untimed)`);
      await registry.pushBlob(repo, blob, await uploadMode(ctx));
    }
    return { repo, blob };
  });
}

export interface SmallImage {
  repo: string;
  tag: string;
  config: { digest: string; size: number };
  layer: { digest: string; size: number };
}

/** A one-layer image tagged `latest` in `bench/image`, for the manifest rows. */
export function smallImage(ctx: BenchContext): Promise<SmallImage> {
  return ctx.fixture('small-image', async () => {
    const repo = 'bench/image';
    const mode = await uploadMode(ctx);
    const registry = ctx.registry(1);
    const layerBlob = new BlobFamily('layer', MiB).blob(0);
    const configBytes = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [layerBlob.digest] },
      }),
    );
    const configBlob = bufferBlob(configBytes);
    await registry.pushBlob(repo, layerBlob, mode);
    await registry.pushBlob(repo, configBlob, mode);
    const image: SmallImage = {
      repo,
      tag: 'latest',
      config: { digest: configBlob.digest, size: configBytes.length },
      layer: { digest: layerBlob.digest, size: layerBlob.body.length },
    };
    await registry.putManifest(repo, image.tag, imageManifest(image), OCI_MANIFEST);
    return image;
  });
}

/** The image's manifest; `annotation` makes otherwise identical manifests distinct. */
export function imageManifest(image: SmallImage, annotation?: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, ...image.config },
      layers: [{ mediaType: OCI_LAYER_GZIP, ...image.layer }],
      ...(annotation === undefined ? {} : { annotations: { 'org.berth.bench': annotation } }),
    }),
  );
}

/** The smallest valid manifest: an OCI 1.1 artifact whose config and only layer are `{}`. */
const EMPTY_DESCRIPTOR = { mediaType: OCI_EMPTY, digest: EMPTY_BLOB.digest, size: 2 };
export const TINY_MANIFEST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: 'application/vnd.berth.bench',
    config: EMPTY_DESCRIPTOR,
    layers: [EMPTY_DESCRIPTOR],
  }),
);

async function seedSource(ctx: BenchContext): Promise<string> {
  return ctx.fixture('seed-source', async () => {
    const repo = 'bench/seed';
    await ctx.registry(1).pushBlob(repo, EMPTY_BLOB, await uploadMode(ctx));
    return repo;
  });
}

/** `count` repositories holding one tiny manifest each; resolves to the seconds it took. */
export function seedRepositories(ctx: BenchContext, count: number): Promise<number> {
  return ctx.fixture('catalog', async () => {
    const from = await seedSource(ctx);
    const registry = ctx.registry(SEED_CONCURRENCY);
    ctx.log(`  seeding ${count} repositories (untimed)`);
    const t0 = Date.now();
    await runPool({
      concurrency: SEED_CONCURRENCY,
      count,
      op: async (i) => {
        const repo = `bench/catalog/r${String(i).padStart(5, '0')}`;
        await registry.linkBlob(repo, from, EMPTY_BLOB);
        await registry.putManifest(repo, 'v1', TINY_MANIFEST, OCI_MANIFEST);
        return 0;
      },
    });
    return (Date.now() - t0) / 1000;
  });
}

/** `count` tags on one repository, all on the tiny manifest; resolves to repo and seconds. */
export function seedTags(ctx: BenchContext, count: number): Promise<{ repo: string; seconds: number }> {
  return ctx.fixture('tags', async () => {
    const repo = 'bench/tags';
    const from = await seedSource(ctx);
    const registry = ctx.registry(SEED_CONCURRENCY);
    await registry.linkBlob(repo, from, EMPTY_BLOB);
    ctx.log(`  seeding ${count} tags (untimed)`);
    const t0 = Date.now();
    await runPool({
      concurrency: SEED_CONCURRENCY,
      count,
      op: async (i) => {
        await registry.putManifest(repo, `t${String(i).padStart(5, '0')}`, TINY_MANIFEST, OCI_MANIFEST);
        return 0;
      },
    });
    return { repo, seconds: (Date.now() - t0) / 1000 };
  });
}
