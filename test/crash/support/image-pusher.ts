/**
 * Pushers that keep a registry busy with realistic image pushes until it is killed, and the
 * ledger of what the registry acknowledged. Only a 201 makes an entry "completed": that is
 * the registry's promise, and the promise the crash test holds it to after a restart.
 *
 * Every upload style a client uses is mixed in, because each reaches the commit through a
 * different path (monolithic POST, POST + PATCH + PUT, chunked PATCHes with Content-Range and
 * a final chunk on the PUT, a first chunk on the POST). Sessions in flight are remembered with
 * their bytes so that, after the restart, the test can try to finish them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { headerValue, octetStream, RegistryClient, UnexpectedReply, uploadedSize, withQuery } from './registry-client.js';

const KiB = 1024;
const MiB = 1024 * KiB;

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

export type UploadStyle = 'monolithic' | 'single-patch' | 'chunked' | 'post-body';
export const uploadStyles: readonly UploadStyle[] = ['monolithic', 'single-patch', 'chunked', 'post-body'];

export interface BlobRecord {
  repository: string;
  digest: string;
  size: number;
}

export interface PushRecord {
  repository: string;
  tag: string;
  digest: string;
  mediaType: string;
  manifest: Buffer;
  blobs: BlobRecord[];
}

/** A session the client was told exists (POST 202) and had not seen completed. */
export interface OpenUpload {
  repository: string;
  location: string;
  bytes: Buffer;
  digest: string;
  /** Bytes the registry acknowledged with a 202. */
  acknowledged: number;
  /** The request that had no answer when the registry died, if any. */
  inFlight: 'patch' | 'put' | undefined;
}

export class Ledger {
  readonly pushes: PushRecord[] = [];
  /** Keyed repository@digest: what a blob 201 promised. */
  readonly blobs = new Map<string, BlobRecord>();
  readonly open = new Set<OpenUpload>();
  /** Anything the registry answered wrongly while alive. */
  readonly failures: string[] = [];

  recordBlob(blob: BlobRecord): void {
    this.blobs.set(`${blob.repository}@${blob.digest}`, blob);
  }

  /** Every blob the registry must serve: acknowledged ones and those of completed manifests. */
  promisedBlobs(): BlobRecord[] {
    const all = new Map(this.blobs);
    for (const push of this.pushes) for (const blob of push.blobs) all.set(`${blob.repository}@${blob.digest}`, blob);
    return [...all.values()];
  }

  repositories(): string[] {
    return [...new Set([...this.pushes.map((p) => p.repository), ...[...this.blobs.values()].map((b) => b.repository)])].sort();
  }
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function randomInt(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

/** Mostly small layers (where per-blob overhead dominates), some large (where a kill lands mid-body). */
function layerSize(): number {
  const r = Math.random();
  if (r < 0.6) return randomInt(2 * KiB, 64 * KiB);
  if (r < 0.94) return randomInt(64 * KiB, MiB);
  return randomInt(MiB, 5 * MiB);
}

/**
 * Cut points for 2–5 non-empty chunks. The first is never a single byte: its Range reply
 * would read "0-0", which Distribution's format also uses for an empty upload.
 */
function chunkBounds(size: number): number[] {
  const count = Math.min(randomInt(2, 5), size - 1);
  const cuts = new Set<number>();
  while (cuts.size < count - 1) cuts.add(randomInt(2, size - 1));
  return [0, ...[...cuts].sort((a, b) => a - b), size];
}

export async function pushBlob(
  client: RegistryClient,
  ledger: Ledger,
  repository: string,
  bytes: Buffer,
  style: UploadStyle,
): Promise<BlobRecord> {
  const digest = sha256(bytes);
  const uploads = `/v2/${repository}/blobs/uploads/`;
  if (style === 'monolithic') {
    const reply = await client.expect(201, 'POST', withQuery(uploads, { digest }), { headers: octetStream, body: bytes });
    checkDigestHeader(reply, 'POST', uploads, digest);
  } else {
    const started = await client.expect(202, 'POST', uploads, style === 'post-body' ? { headers: octetStream, body: bytes } : {});
    const upload: OpenUpload = {
      repository,
      location: headerValue(started, 'location'),
      bytes,
      digest,
      acknowledged: uploadedSize(started),
      inFlight: undefined,
    };
    if (upload.location === '') throw new UnexpectedReply('POST', uploads, started, 'a Location header');
    ledger.open.add(upload);
    let final: Buffer | undefined;
    let finalRange: string | undefined;
    if (style === 'single-patch') {
      await patch(client, upload, 0, bytes.length, false);
    } else if (style === 'chunked') {
      const bounds = chunkBounds(bytes.length);
      for (let i = 0; i < bounds.length - 2; i += 1) await patch(client, upload, bounds[i], bounds[i + 1], true);
      const start = bounds[bounds.length - 2];
      final = bytes.subarray(start);
      finalRange = `${start}-${bytes.length - 1}`;
    }
    if (upload.acknowledged + (final?.length ?? 0) !== bytes.length) {
      throw new Error(`${upload.location}: registry acknowledged ${upload.acknowledged} of ${bytes.length} bytes`);
    }
    upload.inFlight = 'put';
    const path = withQuery(upload.location, { digest });
    const headers = final ? { ...octetStream, 'content-range': finalRange ?? '' } : undefined;
    const reply = await client.expect(201, 'PUT', path, { headers, body: final });
    ledger.open.delete(upload);
    checkDigestHeader(reply, 'PUT', path, digest);
  }
  const blob = { repository, digest, size: bytes.length };
  ledger.recordBlob(blob);
  return blob;
}

/** PATCHes bytes [start, end) and checks the Range the registry answers with. */
export async function patch(client: RegistryClient, upload: OpenUpload, start: number, end: number, withRange: boolean): Promise<void> {
  upload.inFlight = 'patch';
  const headers: Record<string, string> = { ...octetStream };
  if (withRange) headers['content-range'] = `${start}-${end - 1}`;
  const reply = await client.expect(202, 'PATCH', upload.location, { headers, body: upload.bytes.subarray(start, end) });
  const size = uploadedSize(reply);
  if (size !== end) throw new UnexpectedReply('PATCH', upload.location, reply, `Range 0-${end - 1}`);
  upload.acknowledged = size;
  upload.inFlight = undefined;
}

function checkDigestHeader(reply: Awaited<ReturnType<RegistryClient['request']>>, method: string, path: string, digest: string): void {
  if (headerValue(reply, 'docker-content-digest') !== digest) {
    throw new UnexpectedReply(method, path, reply, `Docker-Content-Digest ${digest}`);
  }
}

export interface PushImageOptions {
  repository: string;
  tag: string;
  /** A layer every pusher of the round shares: concurrent commits of one digest, and dedup. */
  shared: Buffer;
}

export async function pushImage(client: RegistryClient, ledger: Ledger, options: PushImageOptions): Promise<PushRecord> {
  const { repository, tag, shared } = options;
  const docker = Math.random() < 0.3;
  const layers: BlobRecord[] = [];
  const sharedDigest = sha256(shared);
  // Clients skip blobs the repository already has; the HEAD path must survive a crash too.
  const head = await client.request('HEAD', `/v2/${repository}/blobs/${sharedDigest}`);
  if (head.status === 200) layers.push({ repository, digest: sharedDigest, size: shared.length });
  else if (head.status === 404) layers.push(await pushBlob(client, ledger, repository, shared, pick(uploadStyles)));
  else throw new UnexpectedReply('HEAD', `/v2/${repository}/blobs/${sharedDigest}`, head, '200 or 404');
  const count = randomInt(1, 3);
  for (let i = 0; i < count; i += 1) {
    layers.push(await pushBlob(client, ledger, repository, randomBytes(layerSize()), pick(uploadStyles)));
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { 'crash.test/nonce': randomBytes(8).toString('hex') } },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    }),
  );
  const configBlob = await pushBlob(client, ledger, repository, config, pick(uploadStyles));
  const mediaType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
  const manifest = Buffer.from(
    JSON.stringify(
      {
        schemaVersion: 2,
        mediaType,
        config: {
          mediaType: docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json',
          digest: configBlob.digest,
          size: configBlob.size,
        },
        layers: layers.map((l) => ({
          mediaType: docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: l.digest,
          size: l.size,
        })),
      },
      // Indented, as some clients push: the registry must keep the bytes, not a re-serialisation.
      null,
      docker ? 3 : undefined,
    ),
  );
  const digest = sha256(manifest);
  const path = `/v2/${repository}/manifests/${tag}`;
  const reply = await client.expect(201, 'PUT', path, { headers: { 'content-type': mediaType }, body: manifest });
  checkDigestHeader(reply, 'PUT', path, digest);
  const record: PushRecord = { repository, tag, digest, mediaType, manifest, blobs: [configBlob, ...layers] };
  ledger.pushes.push(record);
  return record;
}

export interface PusherOptions {
  repository: string;
  tagPrefix: string;
  shared: Buffer;
  /** True once the registry is about to be killed: from then on, a dead socket is expected. */
  killed: () => boolean;
}

function isConnectionError(error: unknown): boolean {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  return code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE';
}

/** Pushes images until the registry dies; returns how many completed. */
export async function runPusher(client: RegistryClient, ledger: Ledger, options: PusherOptions): Promise<number> {
  let completed = 0;
  for (;;) {
    try {
      await pushImage(client, ledger, { repository: options.repository, tag: `${options.tagPrefix}-${completed}`, shared: options.shared });
      completed += 1;
    } catch (error) {
      // Only a dead socket is excused, and only once the kill was decided: a reply, however
      // late, came from a live registry, so a wrong one is a bug at any moment.
      if (!(isConnectionError(error) && options.killed())) {
        ledger.failures.push(`${options.repository} ${options.tagPrefix}: ${(error as Error).message}`);
      }
      return completed;
    }
  }
}
