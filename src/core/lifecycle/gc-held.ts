/**
 * What a collection leaves for later, why, and until when: the planner run again, read-only,
 * under other rules, and compared with the run's own plan:
 *   - with neither grace nor restore window: everything unreferenced or deleted;
 *   - with no grace but the restore window: what the window alone keeps is the difference;
 *   - what is left over waits for the grace period (or is being pushed);
 *   - with --now's rules: what `berth gc --now` would take at once.
 * Each is a plan of the same moment, so the numbers are exact as the dry run is. The cost is
 * the mark phase three more times, which follows the recorded candidates, not the registry.
 */
import type { BlobNode, ManifestNode } from '../../ports/metadata-lifecycle.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { planCollection, type GcPlan } from './gc-plan.js';
import type { HeldBack, HeldGroup } from './gc-report.js';

/** The rules a plan applies: youth before `cutoff`, deleted tags restorable since `restorableSince`. */
export interface PlanRules {
  cutoff: Date;
  restorableSince: Date;
  purge: boolean;
}

export interface HeldContext {
  metadata: MetadataStore;
  started: Date;
  graceMs: number;
  restoreWindowMs: number;
  signal?: AbortSignal;
}

interface PlanDiff {
  manifests: ManifestNode[];
  blobs: BlobNode[];
  repositories: string[];
}

export async function heldBack(ctx: HeldContext, rules: PlanRules, plan: GcPlan): Promise<HeldBack> {
  const end = new Date(ctx.started.getTime() + 1);
  const planWith = (r: PlanRules) => planCollection({ metadata: ctx.metadata, ...r, signal: ctx.signal });
  const everything = await planWith({ cutoff: end, restorableSince: end, purge: false });
  const base = { graceMs: ctx.graceMs, restoreWindowMs: ctx.restoreWindowMs };
  if (rules.purge) {
    return { ...base, grace: graceGroup(ctx, diff(everything, plan)), restoreWindow: emptyGroup(), freeableNow: emptyTotals() };
  }
  const windowOnly = await planWith({ cutoff: end, restorableSince: rules.restorableSince, purge: false });
  const now = await planWith({ cutoff: rules.cutoff, restorableSince: end, purge: true });
  const restoreWindow = await restoreGroup(ctx, rules, diff(everything, windowOnly));
  const grace = graceGroup(ctx, diff(windowOnly, plan));
  const freeable = totals(diff(now, plan));
  return { ...base, grace, restoreWindow, freeableNow: { ...freeable, tags: restoreWindow.tags } };
}

/** What `a` collects and `b` does not. */
function diff(a: GcPlan, b: GcPlan): PlanDiff {
  const blobsOfB = new Set(b.blobs.map((x) => x.digest));
  const reposOfB = new Set(b.repositories.map((r) => r.name));
  return {
    manifests: [...a.garbage].filter((k) => !b.garbage.has(k)).map((k) => a.nodes.get(k)).filter((n): n is ManifestNode => n !== undefined),
    blobs: a.blobs.filter((x) => !blobsOfB.has(x.digest)),
    repositories: a.repositories.filter((r) => !reposOfB.has(r.name)).map((r) => r.name),
  };
}

function totals(d: PlanDiff): { manifests: number; blobs: number; bytes: number; repositories: number } {
  return { manifests: d.manifests.length, blobs: d.blobs.length, bytes: d.blobs.reduce((sum, b) => sum + b.size, 0), repositories: d.repositories.length };
}

function emptyTotals(): HeldBack['freeableNow'] {
  return { manifests: 0, blobs: 0, bytes: 0, repositories: 0, tags: 0 };
}

function emptyGroup(): HeldGroup {
  return { ...emptyTotals(), releaseFrom: undefined, releaseUntil: undefined };
}

/** When the grace period stops protecting a manifest or a blob. */
function youngUntil(ctx: HeldContext, item: ManifestNode | BlobNode): number {
  const times = 'parents' in item ? [item.createdAt, item.candidateSince] : [item.createdAt, item.lastLinkedAt];
  return Math.max(...times.map((t) => t?.getTime() ?? 0)) + ctx.graceMs;
}

function range(ctx: HeldContext, times: number[]): Pick<HeldGroup, 'releaseFrom' | 'releaseUntil'> {
  if (times.length === 0) return { releaseFrom: undefined, releaseUntil: undefined };
  // Something old kept only by something young is released with it, never in the past.
  const now = ctx.started.getTime();
  return { releaseFrom: new Date(Math.max(now, Math.min(...times))), releaseUntil: new Date(Math.max(now, ...times)) };
}

function graceGroup(ctx: HeldContext, d: PlanDiff): HeldGroup {
  const times = [...d.manifests, ...d.blobs].map((item) => youngUntil(ctx, item));
  return { ...totals(d), tags: 0, ...range(ctx, times) };
}

/** The deleted tags that keep it decide when it goes: each at its deletion plus the window. */
async function restoreGroup(ctx: HeldContext, rules: PlanRules, d: PlanDiff): Promise<HeldGroup> {
  const held = new Set(d.manifests.map((m) => `${m.repository}\u0000${m.digest}`));
  const repositories = new Set([...d.manifests.map((m) => m.repository), ...d.repositories]);
  const wholeRepositories = new Set(d.repositories);
  const times: number[] = [];
  let tags = 0;
  for (const repository of [...repositories].sort()) {
    for (const tag of await ctx.metadata.deletedTags(repository, rules.restorableSince, { signal: ctx.signal })) {
      if (!wholeRepositories.has(repository) && !held.has(`${repository}\u0000${tag.digest}`)) continue;
      tags++;
      times.push(tag.deletedAt.getTime() + ctx.restoreWindowMs);
    }
  }
  // The grace still runs after the window if it is the longer of the two.
  for (const m of d.manifests) if (youngUntil(ctx, m) > Math.max(...times, 0)) times.push(youngUntil(ctx, m));
  return { ...totals(d), tags, ...range(ctx, times) };
}
