/**
 * A repository's tags, one server page at a time (a repository may hold 10,000): sort, filter
 * and page in the URL; with delete permission, select several and delete them in one request,
 * then undo from the notice that follows.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, enc, messageOf } from '../../api';
import { Bytes, ConfirmDialog, EmptyState, ErrorBanner, Loading, Pager, RelativeTime, Table, formatBytes, formatDateTime, useToast, type Column } from '../../components';
import { Link, useQuery } from '../../router';
import { useApi } from '../../use-api';
import { Digest } from './Digest';
import { FilterBox } from './FilterBox';
import { manifestHref, platformName } from './paths';
import type { RepositorySummary, Tag, TagPage } from './types';
import { useChanged } from './use-changed';

const PAGE_SIZE = 50;
const SORTS = ['tag', '-pushed', '-size'];

interface Deleted {
  tags: string[];
  restorableUntil: string;
}

export function TagsSection({ summary, generation, onChanged }: { summary: RepositorySummary; generation: number; onChanged: () => void }) {
  const name = summary.name;
  const [query, setQuery] = useQuery();
  const sort = SORTS.includes(query.get('sort') ?? '') ? query.get('sort')! : '-pushed';
  const page = Math.max(1, Number(query.get('page')) || 1);
  const q = query.get('q') ?? '';
  const tags = useApi<TagPage>(`/api/v1/repositories/${enc(name)}/-/tags`, { n: PAGE_SIZE, page, sort, q });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [deleted, setDeleted] = useState<Deleted | null>(null);
  const toast = useToast();
  // A delete or restore anywhere on the page (onChanged bumps the generation) reloads this page of tags.
  useChanged(generation, tags.reload);

  // What is selected must be on screen: a new page, sort or filter starts a new selection.
  useEffect(() => setSelected(new Set()), [page, sort, q]);

  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await api.post<{ deleted: string[]; notFound: string[]; restorableUntil: string }>(
        `/api/v1/repositories/${enc(name)}/-/tags/delete`,
        { tags: [...selected] },
      );
      setDeleted({ tags: result.deleted, restorableUntil: result.restorableUntil });
      setSelected(new Set());
      setConfirming(false);
      onChanged();
    } catch (failure) {
      setError(failure);
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };

  const restore = async () => {
    if (!deleted) return;
    setBusy(true);
    const failed: string[] = [];
    for (const tag of deleted.tags) {
      try {
        await api.post(`/api/v1/repositories/${enc(name)}/-/tags/${enc(tag)}/restore`, {});
      } catch (failure) {
        failed.push(`${tag} (${messageOf(failure)})`);
      }
    }
    setBusy(false);
    setDeleted(null);
    onChanged();
    if (failed.length) toast.notify(`Could not restore ${failed.join(', ')}`, 'error');
    else toast.notify(`Restored ${plural(deleted.tags.length, 'tag')}`, 'success');
  };

  const columns: Column<Tag>[] = [
    {
      key: 'tag',
      header: 'Tag',
      sortable: true,
      className: 'tag-column',
      render: (t) => (
        <>
          <Link href={manifestHref(name, t.tag)} class="tag-name">
            {t.tag}
          </Link>
          {isArtifact(t.artifactType) ? <div class="small muted artifact-type">{t.artifactType}</div> : null}
        </>
      ),
    },
    { key: 'digest', header: 'Digest', render: (t) => <Digest digest={t.digest} href={manifestHref(name, t.digest)} /> },
    { key: 'platforms', header: 'Platforms', render: (t) => <Platforms repository={name} tag={t} /> },
    { key: 'size', header: 'Size', numeric: true, sortable: true, descendingFirst: true, render: (t) => <Bytes value={t.size} /> },
    { key: 'pushed', header: 'Pushed', sortable: true, descendingFirst: true, render: (t) => <RelativeTime value={t.pushedAt} /> },
    { key: 'pulled', header: 'Last pulled', render: (t) => <RelativeTime value={t.lastPulledAt} /> },
    { key: 'markers', header: 'Signed / SBOM', render: (t) => <Markers tag={t} /> },
  ];

  const data = tags.data;
  return (
    <section class="section" aria-labelledby="tags-heading">
      <h2 id="tags-heading">Tags</h2>
      {deleted ? (
        <div class="notice" role="status">
          <span>
            Deleted {deleted.tags.length === 0 ? 'nothing' : deleted.tags.join(', ')}. Restorable until {formatDateTime(new Date(deleted.restorableUntil))}.
          </span>
          <span class="page-actions">
            {deleted.tags.length ? (
              <button type="button" class="button button-small" disabled={busy} onClick={() => void restore()}>
                Restore
              </button>
            ) : null}
            <button type="button" class="button button-small" onClick={() => setDeleted(null)}>
              Dismiss
            </button>
          </span>
        </div>
      ) : null}
      <ErrorBanner error={error} title="The tags were not deleted" />
      <div class="toolbar">
        <FilterBox id="tag-filter" label="Filter tags" placeholder="Part of a tag name" />
        {summary.canDelete ? (
          <div class="toolbar-actions">
            <span class="small muted" aria-live="polite">
              {selected.size ? `${plural(selected.size, 'tag')} selected` : 'Select tags to delete them'}
            </span>
            <button type="button" class="button button-danger" disabled={selected.size === 0} onClick={() => setConfirming(true)}>
              Delete selected
            </button>
          </div>
        ) : null}
      </div>
      <ErrorBanner error={tags.error} title="The tags could not be loaded" onRetry={tags.reload} />
      {!data ? (
        tags.loading ? <Loading label="Loading tags…" /> : null
      ) : data.total === 0 && !q ? (
        <EmptyState title="No tags">
          {summary.tagCount === 0 ? 'Every tag of this repository was deleted; restore one below, or push again.' : 'Nothing to show.'}
        </EmptyState>
      ) : (
        <>
          <div class="wide-table">
          <Table
            caption={`Tags of ${name}`}
            rows={data.tags}
            rowKey={(t) => t.tag}
            columns={columns}
            sort={sort}
            onSort={(s) => setQuery({ sort: s === '-pushed' || !SORTS.includes(s) ? null : s, page: null })}
            selected={summary.canDelete ? selected : undefined}
            onSelect={summary.canDelete ? setSelected : undefined}
            empty={<EmptyState title={`No tag contains “${q}”`} />}
          />
          </div>
          <Pager page={page} pageSize={PAGE_SIZE} total={data.total} onPage={(p) => setQuery({ page: p === 1 ? null : p })} />
        </>
      )}
      <ConfirmDialog
        open={confirming}
        title={`Delete ${plural(selected.size, 'tag')}?`}
        confirmLabel="Delete"
        danger
        busy={busy}
        onConfirm={() => void remove()}
        onCancel={() => setConfirming(false)}
      >
        <p>These tags of {name} will be deleted:</p>
        <ul class="list-plain mono small">
          {[...selected].map((t) => (
            <li key={t}>{t}</li>
          ))}
        </ul>
        <p class="muted small">They can be restored until the restore window ends; after that the garbage collector frees what only they used.</p>
      </ConfirmDialog>
    </section>
  );
}

function Platforms({ repository, tag }: { repository: string; tag: Tag }) {
  if (tag.platforms.length === 0) return <span class="muted">—</span>;
  return (
    <ul class="platforms">
      {tag.platforms.map((p) => (
        <li key={p.digest}>
          <Link href={manifestHref(repository, p.digest)}>{platformName(p)}</Link>
          <span class="muted">{formatBytes(p.size)}</span>
          <code class="small muted" title={p.digest}>
            {p.digest.slice(7, 19)}
          </code>
        </li>
      ))}
    </ul>
  );
}

function Markers({ tag }: { tag: Tag }) {
  const marks = [tag.signed ? 'Signed' : null, tag.sbom ? 'SBOM' : null, tag.attestations ? 'Attestations' : null].filter(Boolean) as string[];
  if (marks.length === 0) return <span class="muted">—</span>;
  return (
    <span class="badges">
      {marks.map((m) => (
        <span key={m} class="badge badge-success">
          {m}
        </span>
      ))}
    </span>
  );
}

/** Images report their config type as artifact type; only a real artifact's is worth showing. */
const imageConfigTypes = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);
export function isArtifact(type: string | null): type is string {
  return type !== null && !imageConfigTypes.has(type);
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
}
