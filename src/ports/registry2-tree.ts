/**
 * Registry2Tree: read-only access to a registry:2 (Distribution) storage tree, wherever it is
 * (a directory, an S3 bucket), for `berth import registry2`. Paths are relative to the tree's
 * root and '/'-separated (`docker/registry/v2/blobs/...`); callers build them from validated
 * names and digests only. A tree never follows anything out of itself: a filesystem tree
 * treats a symbolic link anywhere on a path as absent.
 */
import type { Readable } from 'node:stream';

export interface Registry2Tree {
  /** For messages: the directory or `s3://bucket/prefix`. */
  readonly description: string;

  /** Names of the directories directly under `path` (sorted); [] when there are none. */
  directories(path: string): Promise<string[]>;

  /** Size of the file at `path`, or undefined when there is none (or it is not a plain file). */
  size(path: string): Promise<number | undefined>;

  /** The whole file, or undefined when absent or larger than `limit` bytes. */
  read(path: string, limit: number): Promise<Buffer | undefined>;

  /** A stream of the file's bytes; rejects when it is absent. */
  open(path: string): Promise<Readable>;

  /** The file's path on this machine, so a blob store may hard-link it; absent for remote trees. */
  localPath?(path: string): string;

  close(): Promise<void>;
}
