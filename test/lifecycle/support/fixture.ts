/**
 * A registry and its collector on the real adapters (SQLite or PostgreSQL + filesystem) in a temp directory,
 * with one controllable clock shared by the stores, the registry and the collector, and a
 * settable checkpoint hook for forcing interleavings.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FilesystemBlobStore } from '../../../src/adapters/blob/filesystem-blob-store.js';
import { FilesystemLayout } from '../../../src/adapters/blob/filesystem-paths.js';
import type { SqliteStores } from '../../../src/adapters/metadata/sqlite-database.js';
import type { Checkpoint, CheckpointName } from '../../../src/core/checkpoint.js';
import { Lifecycle } from '../../../src/core/lifecycle/lifecycle.js';
import { Registry } from '../../../src/core/registry/registry.js';
import { openTestStores, type DatabaseKind } from '../../support/test-database.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

export const HOUR = 3600_000;

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export class Clock {
  constructor(public ms = Date.UTC(2030, 0, 1)) {}
  readonly now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface PushedImage {
  digest: string;
  body: Buffer;
  /** Config first, then layers. */
  blobs: Descriptor[];
}

export interface FixtureOptions {
  graceMs?: number;
  restoreWindowMs?: number;
  /** The metadata database; SQLite unless a test runs on each of databaseKinds(). */
  database?: DatabaseKind;
}

export class Fixture {
  readonly registry: Registry;
  readonly lifecycle: Lifecycle;
  readonly blobs: FilesystemBlobStore;
  /** Replaced by tests; runs at every checkpoint of pushes and of the collector. */
  checkpoint: Checkpoint | undefined;
  /** How an upload waits between claim attempts; a turn of the event loop unless replaced. */
  sleep: (ms: number) => Promise<void> = () => new Promise((resolve) => setImmediate(resolve));
  private readonly layout: FilesystemLayout;

  private constructor(
    readonly root: string,
    readonly stores: SqliteStores,
    readonly clock: Clock,
    options: FixtureOptions,
  ) {
    this.blobs = new FilesystemBlobStore({ root });
    this.layout = new FilesystemLayout(root);
    const hook: Checkpoint = async (name, digests) => {
      await this.checkpoint?.(name, digests);
    };
    this.registry = new Registry({
      blobs: this.blobs,
      metadata: stores.metadata,
      deleteEnabled: true,
      maxManifestBytes: 4 * 1024 * 1024,
      now: this.clock.now,
      sleep: (ms) => this.sleep(ms),
      checkpoint: hook,
    });
    this.lifecycle = new Lifecycle({
      metadata: stores.metadata,
      blobs: this.blobs,
      now: this.clock.now,
      graceMs: options.graceMs ?? HOUR,
      restoreWindowMs: options.restoreWindowMs ?? 24 * HOUR,
      deleteEnabled: true,
      checkpoint: hook,
    });
  }

  static async create(options: FixtureOptions = {}): Promise<Fixture> {
    const root = await mkdtemp(join(tmpdir(), 'berth-gc-'));
    const clock = new Clock();
    // The store stamps rows (links, candidates, tombstones) with the clock the tests advance.
    let stores: SqliteStores;
    try {
      stores = await openTestStores(options.database ?? 'sqlite', root, clock.now);
    } catch (error) {
      await rm(root, { recursive: true, force: true });
      throw error;
    }
    return new Fixture(root, stores, clock, options);
  }

  get metadata() {
    return this.stores.metadata;
  }

  async pushBlob(repository: string, bytes: Buffer): Promise<Descriptor> {
    const digest = sha256(bytes);
    await this.registry.uploads.monolithic(repository, digest, Readable.from([bytes]));
    return { mediaType: OCI_LAYER, digest, size: bytes.length };
  }

  /** Config + layers (new random ones unless given) + manifest, tagged unless `tag` is undefined. */
  async pushImage(
    repository: string,
    tag: string | undefined,
    options: { layers?: Buffer[]; subject?: Descriptor; artifactType?: string } = {},
  ): Promise<PushedImage> {
    const config = await this.pushBlob(repository, Buffer.from(JSON.stringify({ nonce: randomBytes(8).toString('hex') })));
    const layers: Descriptor[] = [];
    for (const bytes of options.layers ?? [randomBytes(300)]) layers.push(await this.pushBlob(repository, bytes));
    const doc = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      ...(options.artifactType ? { artifactType: options.artifactType } : {}),
      config: { ...config, mediaType: OCI_CONFIG },
      layers,
      ...(options.subject ? { subject: options.subject } : {}),
    };
    const body = Buffer.from(JSON.stringify(doc));
    const { digest } = await this.registry.manifests.put(repository, tag ?? sha256(body), body, OCI_MANIFEST);
    return { digest, body, blobs: [config, ...layers] };
  }

  async pushIndex(repository: string, tag: string | undefined, children: PushedImage[]): Promise<PushedImage> {
    const doc = {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: children.map((c) => ({ mediaType: OCI_MANIFEST, digest: c.digest, size: c.body.length })),
    };
    const body = Buffer.from(JSON.stringify(doc));
    const { digest } = await this.registry.manifests.put(repository, tag ?? sha256(body), body, OCI_INDEX);
    return { digest, body, blobs: [] };
  }

  descriptor(image: PushedImage): Descriptor {
    return { mediaType: OCI_MANIFEST, digest: image.digest, size: image.body.length };
  }

  blobPath(digest: string): string {
    return this.layout.blobPath(digest);
  }

  async fileExists(digest: string): Promise<boolean> {
    try {
      await stat(this.blobPath(digest));
      return true;
    } catch {
      return false;
    }
  }

  /** Reads a blob through the registry (link check included) and hashes it. */
  async readBlob(repository: string, digest: string): Promise<string> {
    await this.registry.blobs.stat(repository, digest);
    const hash = createHash('sha256');
    for await (const chunk of await this.registry.blobs.open(repository, digest)) hash.update(chunk as Buffer);
    return `sha256:${hash.digest('hex')}`;
  }

  async close(): Promise<void> {
    await this.stores.close();
    await rm(this.root, { recursive: true, force: true });
  }
}

/** A checkpoint that stops at `name` (for digests matching `digest`, if given) until released. */
export class Gate {
  private release: (() => void) | undefined;
  /** Settles when the gate is opened. */
  readonly opened: Promise<void>;
  readonly reached: Promise<void>;
  private markReached: (() => void) | undefined;
  hits = 0;

  constructor(
    readonly name: CheckpointName,
    readonly digest?: string,
  ) {
    this.opened = new Promise((resolve) => (this.release = resolve));
    this.reached = new Promise((resolve) => (this.markReached = resolve));
  }

  matches(name: CheckpointName, digests: readonly string[]): boolean {
    return name === this.name && (this.digest === undefined || digests.includes(this.digest));
  }

  /** Waits here (the first time only) until `open()`. */
  async wait(): Promise<void> {
    this.hits += 1;
    if (this.hits > 1) return;
    this.markReached?.();
    await this.opened;
  }

  open(): void {
    this.release?.();
  }
}

/** A checkpoint function that stops at each gate. */
export function gates(...list: Gate[]): Checkpoint {
  return async (name, digests) => {
    for (const gate of list) if (gate.matches(name, digests)) await gate.wait();
  };
}
