/**
 * Storage management for the API and the CLI, with the same permissions and audit trail as
 * the access-control use cases (core/access/admin-context.ts):
 *   - a project's policy (write policy, immutable tags, retention) is set by its managers;
 *     its quota only by system admins (a project admin must not lift their own limit);
 *     policy and usage are shown to whoever may pull from the project;
 *   - retention runs by project managers; collections by system admins;
 *   - deletes and restores need the `delete` action on the repository, as on /v2.
 * Changes are audited with what changed; refusals are audited as `denied`.
 */
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { ProjectUsage, RepositoryUsage } from '../../ports/metadata-usage.js';
import type { PolicyStore, ProjectPolicy } from '../../ports/policy-store.js';
import type { AdminContext, Actor } from '../access/admin-context.js';
import { assertProjectName } from '../access/admin-rules.js';
import { InvalidInputError, ManifestUnknownError, NotFoundError, UnsupportedError } from '../errors.js';
import { projectOf } from '../access/actions.js';
import { checkTagDelete, checkWritable } from './write-policy.js';
import type { Registry } from '../registry/registry.js';
import { assertName, assertReference, assertTag } from '../reference/reference.js';
import type { GcOptions, GcReport } from './gc-report.js';
import type { GcStatus, Lifecycle } from './lifecycle.js';
import { applyChange, OPEN_POLICY, type PolicyChange } from './policy-input.js';
import { describeRule, type Retention, type RetentionReport } from './retention.js';

/** Tags one bulk delete may name. */
export const MAX_BULK_TAGS = 100;

export interface StorageAdminDeps {
  ctx: AdminContext;
  policies: PolicyStore;
  metadata: MetadataStore;
  lifecycle: Lifecycle;
  retention: Retention;
  registry: Registry;
  deleteEnabled: boolean;
}

export interface ProjectUsageView {
  project: string;
  usedBytes: number;
  quotaBytes: number | undefined;
  usage: Omit<ProjectUsage, 'project'>;
  repositories: RepositoryUsage[];
}

export class StorageAdmin {
  constructor(private readonly deps: StorageAdminDeps) {}

  async policy(actor: Actor, project: string): Promise<ProjectPolicy> {
    await this.requireVisible(actor, project);
    return { ...OPEN_POLICY, ...(await this.deps.policies.get(project)) };
  }

  async setPolicy(actor: Actor, project: string, change: PolicyChange): Promise<ProjectPolicy> {
    // A policy under a name that is not a project (`a/b`) would be stored and never apply.
    assertProjectName(project);
    const { ctx, policies } = this.deps;
    const detail = describeChange(change);
    const quotaOnly = change.quotaBytes !== undefined && Object.values({ ...change, quotaBytes: undefined }).every((v) => v === undefined);
    // Audited as quota.set when only the quota changes, so one filter finds grants and refusals alike.
    const action = quotaOnly ? 'quota.set' : 'policy.set';
    if (change.quotaBytes !== undefined) await ctx.requireSystemAdmin(actor, 'quota.set', { repository: project, detail });
    // Always checked, even for an empty change: writing a row is a change.
    await ctx.requireProjectManager(actor, project, action, { detail });
    const next = applyChange(await policies.get(project), change);
    await policies.set(project, next);
    await ctx.record(actor, action, { repository: project, detail });
    return next;
  }

  async usage(actor: Actor, project: string): Promise<ProjectUsageView> {
    await this.requireVisible(actor, project);
    const { metadata, policies } = this.deps;
    const [[counted], repositories, policy] = await Promise.all([
      metadata.projectUsage(project),
      metadata.repositoryUsage(project),
      policies.get(project),
    ]);
    const usage = counted ?? { project, blobs: 0, blobBytes: 0, manifests: 0, manifestBytes: 0 };
    const { project: _, ...totals } = usage;
    return { project, usedBytes: usage.blobBytes + usage.manifestBytes, quotaBytes: policy?.quotaBytes, usage: totals, repositories };
  }

  /** Every project's usage and quota (system admins: it names every project). */
  async usageAll(actor: Actor): Promise<Array<Omit<ProjectUsageView, 'repositories'>>> {
    await this.deps.ctx.requireSystemAdmin(actor, 'usage.read');
    const [usage, policies] = await Promise.all([this.deps.metadata.projectUsage(), this.deps.policies.list()]);
    const quotas = new Map(policies.map((p) => [p.project, p.policy.quotaBytes]));
    const projects = new Set([...usage.map((u) => u.project), ...policies.filter((p) => p.policy.quotaBytes !== undefined).map((p) => p.project)]);
    const byProject = new Map(usage.map((u) => [u.project, u]));
    return [...projects].sort().map((project) => {
      const u = byProject.get(project) ?? { project, blobs: 0, blobBytes: 0, manifests: 0, manifestBytes: 0 };
      const { project: _, ...totals } = u;
      return { project, usedBytes: u.blobBytes + u.manifestBytes, quotaBytes: quotas.get(project), usage: totals };
    });
  }

  async runRetention(actor: Actor, project: string, dryRun: boolean): Promise<RetentionReport> {
    const { ctx } = this.deps;
    await ctx.requireProjectManager(actor, project, 'retention.run', { detail: `dryRun=${dryRun}` });
    if (!dryRun && !this.deps.deleteEnabled) throw new UnsupportedError('deletes are disabled on this registry; only a dry run is possible');
    const report = await this.deps.retention.run(project, { dryRun });
    if (!dryRun) {
      await ctx.record(actor, 'retention.run', {
        repository: project,
        detail: `removed=${report.removed.length} skipped=${report.skipped.length}`,
      });
    }
    return report;
  }

  /** `purge` (--now) ends every restore window: audited as such, refusals too. */
  async gc(actor: Actor, options: Pick<GcOptions, 'dryRun' | 'graceMs' | 'full' | 'purge'>): Promise<GcReport> {
    const purge = options.purge === true;
    await this.deps.ctx.requireSystemAdmin(actor, 'gc.run', purge ? { detail: 'now=true' } : undefined);
    let report: GcReport;
    try {
      report = await this.deps.lifecycle.gc(options);
    } catch (error) {
      // A purge that fails midway may already have ended restore windows: that must be on record.
      if (purge && options.dryRun !== true) {
        await this.deps.ctx.record(actor, 'gc.run', { detail: `now=true failed: ${(error as Error).message}` }).catch(() => undefined);
      }
      throw error;
    }
    if (options.dryRun !== true) {
      await this.deps.ctx.record(actor, 'gc.run', {
        detail: `${purge ? 'now=true ' : ''}manifests=${report.manifestsRemoved} blobs=${report.blobsRemoved} bytes=${report.bytesFreed}`,
      });
    }
    return report;
  }

  async gcStatus(actor: Actor): Promise<GcStatus> {
    await this.deps.ctx.requireSystemAdmin(actor, 'gc.read');
    return this.deps.lifecycle.gcStatus();
  }

  async deleteRepository(actor: Actor, repository: string): Promise<{ tags: number }> {
    assertName(repository);
    await this.requireAction(actor, repository, 'delete', 'repository.delete');
    const result = await this.deps.lifecycle.deleteRepository(repository);
    await this.deps.ctx.record(actor, 'repository.delete', { repository, detail: `tags=${result.tags}` });
    return result;
  }

  /** A tag (restorable) or a manifest by digest (with every tag on it), as DELETE on /v2. */
  async deleteReference(actor: Actor, repository: string, reference: string): Promise<void> {
    assertName(repository);
    assertReference(reference);
    await this.requireAction(actor, repository, 'delete', 'delete', reference);
    await this.deps.registry.manifests.delete(repository, reference);
    await this.deps.ctx.record(actor, 'delete', { repository, detail: `reference=${reference}` });
  }

  /**
   * Deletes up to MAX_BULK_TAGS tags at once, each restorable and audited as its own delete
   * (as `berth` and DELETE …/tags/{tag} do). Every tag is checked against the write policy
   * before any is deleted, so an immutable tag refuses the whole request rather than half of it.
   * Tags that do not exist are reported, not refused: someone else may have deleted them.
   */
  async deleteTags(actor: Actor, repository: string, tags: readonly string[]): Promise<{ deleted: string[]; notFound: string[]; restorableUntil: Date }> {
    assertName(repository);
    if (tags.length === 0 || tags.length > MAX_BULK_TAGS) throw new InvalidInputError(`tags must list 1 to ${MAX_BULK_TAGS} tags`, { field: 'tags' });
    const unique = [...new Set(tags.map((t) => assertTag(t)))];
    const actions = await this.deps.ctx.deps.authorizer.granted(actor, repository);
    if (!actions.has('pull')) throw new NotFoundError(`repository ${repository} not found`, { repository });
    if (!actions.has('delete')) {
      let refusal: Error | undefined;
      for (const tag of unique) refusal = await this.deps.ctx.deny(actor, 'delete', { repository, detail: `reference=${tag}` });
      throw refusal!;
    }
    if (!this.deps.deleteEnabled) throw new UnsupportedError('deletes are disabled on this registry');
    const policy = await this.deps.policies.get(projectOf(repository));
    checkWritable(policy, repository);
    for (const tag of unique) checkTagDelete(policy, repository, tag);
    const deleted: string[] = [];
    const notFound: string[] = [];
    for (const tag of unique) {
      try {
        await this.deps.registry.manifests.delete(repository, tag);
      } catch (error) {
        if (error instanceof ManifestUnknownError) {
          notFound.push(tag);
          continue;
        }
        throw error;
      }
      deleted.push(tag);
      await this.deps.ctx.record(actor, 'delete', { repository, detail: `reference=${tag}` });
    }
    return { deleted, notFound, restorableUntil: this.deps.lifecycle.restorableUntil() };
  }

  async restoreTag(actor: Actor, repository: string, tag: string): Promise<{ digest: string }> {
    assertName(repository);
    assertTag(tag);
    await this.requireAction(actor, repository, 'delete', 'restore', tag);
    const result = await this.deps.lifecycle.restoreTag(repository, tag);
    await this.deps.ctx.record(actor, 'restore', { repository, detail: `tag=${tag} digest=${result.digest}` });
    return result;
  }

  async deletedTags(actor: Actor, repository: string) {
    assertName(repository);
    await this.requireAction(actor, repository, 'pull', 'deleted-tags.read');
    return this.deps.lifecycle.deletedTags(repository);
  }

  /** The project exists for the caller: they may pull from it (a member, or public and allowed). */
  private async requireVisible(actor: Actor, project: string): Promise<void> {
    const actions = await this.deps.ctx.deps.authorizer.granted(actor, project);
    if (!actions.has('pull')) throw new NotFoundError(`project ${project} not found`, { project });
  }

  private async requireAction(actor: Actor, repository: string, action: 'pull' | 'delete', audited: string, reference?: string): Promise<void> {
    const actions = await this.deps.ctx.deps.authorizer.granted(actor, repository);
    if (actions.has(action)) return;
    if (!actions.has('pull')) throw new NotFoundError(`repository ${repository} not found`, { repository });
    throw await this.deps.ctx.deny(actor, audited, { repository, detail: reference === undefined ? undefined : `reference=${reference}` });
  }
}

function describeChange(change: PolicyChange): string {
  const parts: string[] = [];
  if (change.writePolicy !== undefined) parts.push(`write=${change.writePolicy}`);
  if (change.immutableTags !== undefined) parts.push(`immutable=${change.immutableTags.join(',')}`);
  if (change.quotaBytes !== undefined) parts.push(`quota=${change.quotaBytes ?? 'none'}`);
  if (change.retention !== undefined) parts.push(`retention=${change.retention.map(describeRule).join(';')}`);
  return parts.join(' ');
}
