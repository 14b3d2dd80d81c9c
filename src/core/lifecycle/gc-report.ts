/**
 * What a collection removed (or, dry, would remove), and the progress it reports on the way.
 * A dry run and a real run build their reports with the same function from the same kind of
 * input (planned removals, actual removals), so "a real run removes exactly what the dry run
 * said" is a comparison of two values.
 */
import type { GcInterruption, ManifestKey } from '../../ports/metadata-lifecycle.js';

export type GcPhase = 'recover' | 'mark' | 'manifests' | 'repositories' | 'blobs' | 'done';

export interface GcProgress {
  phase: GcPhase;
  /** Items of this phase finished so far. */
  done: number;
  total: number;
  /** Bytes deleted from the blob store so far in this run (0 in a dry run). */
  bytesFreed: number;
}

export interface GcOptions {
  dryRun?: boolean;
  /** Overrides the configured grace period, in milliseconds. */
  graceMs?: number;
  /** Examine the whole registry, not only recorded candidates (cost: the registry's size). */
  full?: boolean;
  /**
   * `berth gc --now`: end the restore window of every deleted tag and repository now, and
   * collect what was deleted without waiting for the grace period. Only content a push may
   * still be building on keeps the grace (see YouthRule in liveness.ts).
   */
  purge?: boolean;
  onProgress?: (progress: GcProgress) => void;
  /** Called when the run finds a collection that stopped without finishing (it settles its leftovers first). */
  onInterrupted?: (interruption: GcInterruption) => void;
  signal?: AbortSignal;
}

export interface RepositoryReport {
  repository: string;
  /** Manifest digests removed, sorted. */
  manifests: string[];
  /** Blob digests unlinked from the repository, sorted. */
  blobs: string[];
  /** Bytes of those blobs that left the blob store (shared blobs may count in several repositories). */
  bytes: number;
  /** The repository itself was removed (after `deleteRepository`, once nothing in it lived). */
  removed: boolean;
}

export interface BlobReport {
  digest: string;
  size: number;
}

/** Content a collection leaves for later, for one reason. */
export interface HeldGroup {
  manifests: number;
  blobs: number;
  /** Bytes of those blobs: what waiting (or --now) frees on disk. */
  bytes: number;
  repositories: number;
  /** Deleted tags still restorable that keep it (restore window only). */
  tags: number;
  /** When the first and the last of it become collectable; undefined when nothing is held. */
  releaseFrom: Date | undefined;
  releaseUntil: Date | undefined;
}

export interface HeldBack {
  /** Unreferenced (or uploaded, linked, untagged) more recently than the grace period. */
  grace: HeldGroup;
  /** Kept by deleted tags and repositories that can still be restored. */
  restoreWindow: HeldGroup;
  /** Of both, what `--now` would collect at once (zero in a --now run). */
  freeableNow: { manifests: number; blobs: number; bytes: number; repositories: number; tags: number };
  graceMs: number;
  restoreWindowMs: number;
}

export interface GcReport {
  dryRun: boolean;
  /** A `--now` run (restore window ended, grace only for what a push may build on). */
  purge: boolean;
  startedAt: Date;
  /** Only what was created, linked or unreferenced before this was eligible. */
  cutoff: Date;
  durationMs: number;
  /** Repositories that lost anything, by name. */
  repositories: RepositoryReport[];
  /** Blobs whose bytes were (or would be) deleted, by digest. */
  blobs: BlobReport[];
  manifestsRemoved: number;
  blobsRemoved: number;
  repositoriesRemoved: number;
  bytesFreed: number;
  /** Candidates examined (plus what their removal made examinable). */
  examined: number;
  /** Removals skipped because a push gave the item a use between decision and removal. */
  skipped: { manifests: number; blobs: number; repositories: number };
  /** Blobs left tombstoned because deleting their bytes failed; the next run retries them. */
  failures: Array<{ digest: string; error: string }>;
  /** What is unreferenced or deleted but was left alone, why, and until when. */
  held: HeldBack;
}

export interface Removals {
  manifests: ManifestKey[];
  repositories: Array<{ name: string; links: string[] }>;
  blobs: Array<{ digest: string; size: number; links: string[] }>;
}

export function buildReport(
  base: Pick<GcReport, 'dryRun' | 'purge' | 'startedAt' | 'cutoff' | 'durationMs' | 'examined' | 'skipped' | 'failures' | 'held'>,
  removals: Removals,
): GcReport {
  const repos = new Map<string, { manifests: Set<string>; blobs: Set<string>; removed: boolean }>();
  const entry = (name: string) => {
    let r = repos.get(name);
    if (r === undefined) {
      r = { manifests: new Set(), blobs: new Set(), removed: false };
      repos.set(name, r);
    }
    return r;
  };
  for (const m of removals.manifests) entry(m.repository).manifests.add(m.digest);
  for (const r of removals.repositories) {
    const e = entry(r.name);
    e.removed = true;
    for (const d of r.links) e.blobs.add(d);
  }
  for (const b of removals.blobs) for (const name of b.links) entry(name).blobs.add(b.digest);
  const sizes = new Map(removals.blobs.map((b) => [b.digest, b.size]));
  const repositories: RepositoryReport[] = [...repos.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([repository, r]) => {
      const blobs = [...r.blobs].sort(compare);
      return {
        repository,
        manifests: [...r.manifests].sort(compare),
        blobs,
        bytes: blobs.reduce((sum, d) => sum + (sizes.get(d) ?? 0), 0),
        removed: r.removed,
      };
    });
  const blobs = removals.blobs.map((b) => ({ digest: b.digest, size: b.size })).sort((a, b) => compare(a.digest, b.digest));
  return {
    ...base,
    repositories,
    blobs,
    manifestsRemoved: removals.manifests.length,
    blobsRemoved: blobs.length,
    repositoriesRemoved: removals.repositories.length,
    bytesFreed: blobs.reduce((sum, b) => sum + b.size, 0),
  };
}

/** Byte-wise order, as every listing in Berth (never locale order). */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A collection that stopped without finishing, as the status and `berth gc` report it. */
export interface InterruptedRun {
  pid: number | undefined;
  host: string | undefined;
  startedAt: Date | undefined;
  /** Its last heartbeat. */
  stoppedAt: Date | undefined;
  /** When its leftovers were settled; undefined while that is still to do. */
  cleanedAt: Date | undefined;
}

export function describeInterruption(run: InterruptedRun): string {
  const who = run.pid === undefined ? 'a previous collection' : `a previous collection by pid ${run.pid}${run.host === undefined ? '' : ` on ${run.host}`}`;
  const when = run.stoppedAt === undefined ? '' : ` at ${run.stoppedAt.toISOString()}`;
  const outcome =
    run.cleanedAt === undefined
      ? 'its unfinished work (blobs it had marked for deletion) is being cleaned up now, without waiting for the next scheduled collection'
      : `its unfinished work was cleaned up at ${run.cleanedAt.toISOString()}`;
  return `${who} stopped without finishing${when}; ${outcome}`;
}
