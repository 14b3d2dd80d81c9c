/**
 * The web UI's views of projects and repositories (GET /api/v1/overview, a project's
 * repository list, one repository's summary). Everything shown is something the caller may
 * pull; counts and sizes are of visible things only, so nothing hints at a private name.
 */
import type { RepositoryFacts } from '../../ports/metadata-browse.js';
import type { Actor } from '../access/admin-context.js';
import { assertProjectName } from '../access/admin-rules.js';
import { NotFoundError } from '../errors.js';
import type { GcStatus } from '../lifecycle/lifecycle.js';
import { byteOrder, readableRepository, type BrowseDeps, type PageRequest } from './browse-deps.js';

export type RepositorySort = 'name' | '-pushed' | '-size';

export interface RepositoryListItem extends RepositoryFacts {
  starred: boolean;
}

export interface RepositorySummary extends RepositoryListItem {
  project: string;
  /** The tag a pull command names: `latest` when it exists, else the newest pushed. */
  pullTag: string;
  canPush: boolean;
  canDelete: boolean;
}

export interface Overview {
  totalBytes: number;
  projects: Array<{ name: string; public: boolean; bytes: number; quotaBytes: number | undefined; repositories: number }>;
  biggestRepositories: Array<{ name: string; bytes: number; tagCount: number }>;
  recentPushes: Array<{ repository: string; tag: string; digest: string; pushedAt: Date }>;
  gc: GcStatus | undefined;
}

const OVERVIEW_ITEMS = 10;
/** Tag pushes looked at for the overview's recent list before giving up on finding visible ones. */
const RECENT_SCAN = 2000;

export class RepositoryBrowser {
  constructor(private readonly deps: BrowseDeps) {}

  async projectRepositories(
    actor: Actor,
    project: string,
    query: PageRequest & { sort: RepositorySort; q: string },
  ): Promise<{ items: RepositoryListItem[]; total: number }> {
    assertProjectName(project);
    const { ctx, metadata } = this.deps;
    const [actions, record] = await Promise.all([ctx.deps.authorizer.granted(actor, project), ctx.store.project(project)]);
    const facts = actions.has('pull') ? await metadata.repositoryFacts({ project }) : [];
    // A project that does not exist and one the caller may not see are refused alike.
    if (!actions.has('pull') || (record === undefined && facts.length === 0)) throw new NotFoundError(`project ${project} not found`, { project });
    const needle = query.q.toLowerCase();
    const matching = needle === '' ? facts : facts.filter((f) => f.name.toLowerCase().includes(needle) || f.description.toLowerCase().includes(needle));
    const sorted = [...matching].sort(repositoryOrder(query.sort));
    const start = (query.page - 1) * query.n;
    const page = sorted.slice(start, start + query.n);
    const starred = await this.starredBy(actor, page.map((f) => f.name));
    return { total: matching.length, items: page.map((f) => ({ ...f, starred: starred.has(f.name) })) };
  }

  async summary(actor: Actor, repository: string): Promise<RepositorySummary> {
    const actions = await readableRepository(this.deps, actor, repository);
    const { metadata } = this.deps;
    const [facts] = await metadata.repositoryFacts({ repository });
    if (facts === undefined) throw new NotFoundError(`repository ${repository} not found`, { repository });
    const [starred, latest, newest] = await Promise.all([
      this.starredBy(actor, [repository]),
      metadata.existingTags(repository, ['latest']),
      metadata.tagPage(repository, { sort: '-pushed', q: '', offset: 0, limit: 1 }),
    ]);
    return {
      ...facts,
      starred: starred.has(repository),
      project: repository.split('/')[0]!,
      pullTag: latest.length > 0 ? 'latest' : (newest.tags[0]?.tag ?? 'latest'),
      canPush: actions.has('push'),
      canDelete: actions.has('delete') && this.deps.deleteEnabled,
    };
  }

  async overview(actor: Actor): Promise<Overview> {
    const { ctx, metadata, policies } = this.deps;
    const all = await ctx.store.listProjects();
    const visibleNames = new Set(await ctx.deps.authorizer.pullable(actor, all.map((p) => p.name)));
    const visible = all.filter((p) => visibleNames.has(p.name));
    const [usage, quotas] = await Promise.all([metadata.projectUsage(), policies.list()]);
    const usageOf = new Map(usage.map((u) => [u.project, u.blobBytes + u.manifestBytes]));
    const quotaOf = new Map(quotas.map((q) => [q.project, q.policy.quotaBytes]));
    const factsByProject = await Promise.all(visible.map((p) => metadata.repositoryFacts({ project: p.name })));
    const projects = visible.map((p, i) => ({
      name: p.name,
      public: p.visibility === 'public',
      bytes: usageOf.get(p.name) ?? 0,
      quotaBytes: quotaOf.get(p.name),
      repositories: factsByProject[i]!.length,
    }));
    const biggestRepositories = factsByProject
      .flat()
      .sort((a, b) => b.bytes - a.bytes || byteOrder(a.name, b.name))
      .slice(0, OVERVIEW_ITEMS)
      .map((f) => ({ name: f.name, bytes: f.bytes, tagCount: f.tagCount }));
    return {
      totalBytes: projects.reduce((sum, p) => sum + p.bytes, 0),
      projects,
      biggestRepositories,
      recentPushes: await this.recentPushes(actor),
      gc: ctx.isSystemAdmin(actor) ? await this.deps.gcStatus() : undefined,
    };
  }

  /** The newest tag pushes the caller may pull, scanning a bounded number of pushes. */
  private async recentPushes(actor: Actor): Promise<Overview['recentPushes']> {
    const found: Overview['recentPushes'] = [];
    let before: Overview['recentPushes'][number] | undefined;
    for (let scanned = 0; scanned < RECENT_SCAN && found.length < OVERVIEW_ITEMS; ) {
      const rows = await this.deps.metadata.recentPushes({ before, limit: 200 });
      scanned += rows.length;
      const allowed = new Set(await this.deps.ctx.deps.authorizer.pullable(actor, [...new Set(rows.map((r) => r.repository))]));
      found.push(...rows.filter((r) => allowed.has(r.repository)));
      if (rows.length < 200) break;
      before = rows[rows.length - 1];
    }
    // A deleted repository keeps no tags, so every row here is live.
    return found.slice(0, OVERVIEW_ITEMS);
  }

  private async starredBy(actor: Actor, repositories: string[]): Promise<Set<string>> {
    if (actor.kind !== 'user' || repositories.length === 0) return new Set();
    return this.deps.metadata.starredBy(actor.name, repositories);
  }
}

function repositoryOrder(sort: RepositorySort): (a: RepositoryFacts, b: RepositoryFacts) => number {
  if (sort === '-size') return (a, b) => b.bytes - a.bytes || byteOrder(a.name, b.name);
  if (sort === '-pushed') {
    return (a, b) => (b.lastPushedAt?.getTime() ?? -1) - (a.lastPushedAt?.getTime() ?? -1) || byteOrder(a.name, b.name);
  }
  return (a, b) => byteOrder(a.name, b.name);
}
