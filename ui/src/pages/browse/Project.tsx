/**
 * One project: its repositories, paged, sorted and filtered by the server (sort, q and page
 * live in the URL), and links to the project's admin pages for those who may open them.
 */
import { Bytes, EmptyState, ErrorBanner, Loading, PageHeader, Pager, RelativeTime, Table } from '../../components';
import { ApiError } from '../../api';
import { Link, useQuery, type Params } from '../../router';
import { roleIn, useSession } from '../../session';
import { useRegistryHost } from '../../system';
import { useApi } from '../../use-api';
import { enc } from '../../api';
import { FilterBox } from './FilterBox';
import { kindSummary } from '../admin/ProjectKindFields';
import { projectHref, repositoryHref } from './paths';
import type { Project as ProjectData, RepositoryPage } from './types';

const PAGE_SIZE = 25;
const SORTS = ['name', '-pushed', '-size'];

export function Project({ params }: { params: Params }) {
  const name = params.name!;
  const { user } = useSession();
  const host = useRegistryHost();
  const [query, setQuery] = useQuery();
  const sort = SORTS.includes(query.get('sort') ?? '') ? query.get('sort')! : 'name';
  const page = Math.max(1, Number(query.get('page')) || 1);
  const q = query.get('q') ?? '';
  const project = useApi<ProjectData>(`/api/v1/projects/${enc(name)}`);
  const repos = useApi<RepositoryPage>(`/api/v1/projects/${enc(name)}/repositories`, { n: PAGE_SIZE, page, sort, q });
  const role = roleIn(user, name);

  if (project.error instanceof ApiError && project.error.status === 404) {
    return (
      <>
        <PageHeader title="Project not found" breadcrumbs={<Link href="/projects">Projects</Link>} />
        <EmptyState title={`There is no project “${name}” you can see`} action={<Link href="/projects" class="button">All projects</Link>}>
          It may be private: sign in as one of its members.
        </EmptyState>
      </>
    );
  }

  const links = [
    role ? { href: `${projectHref(name)}/members`, label: 'Members' } : null,
    role === 'admin' ? { href: `${projectHref(name)}/robots`, label: 'Robots' } : null,
    { href: `${projectHref(name)}/policy`, label: 'Policy' },
  ].filter((l): l is { href: string; label: string } => l !== null);

  return (
    <>
      <PageHeader
        title={name}
        breadcrumbs={<Link href="/projects">Projects</Link>}
        actions={
          user ? (
            <nav class="project-links" aria-label="Project settings">
              {links.map((l) => (
                <Link key={l.href} href={l.href} class="button">
                  {l.label}
                </Link>
              ))}
            </nav>
          ) : null
        }
      >
        {project.data ? (
          <>
            {project.data.visibility === 'public' ? 'Public project' : 'Private project'}
            {kindSummary(project.data) ? <> · {kindSummary(project.data)}</> : null}
            {role ? <> · your role: {role}</> : null}
          </>
        ) : null}
      </PageHeader>
      <ErrorBanner error={project.error ?? repos.error} title="The project could not be loaded" onRetry={() => { project.reload(); repos.reload(); }} />
      <section aria-labelledby="project-repositories">
        <h2 id="project-repositories">Repositories</h2>
        <div class="toolbar">
          <FilterBox id="repository-filter" label="Filter by name or description" />
        </div>
        {!repos.data ? (
          repos.loading ? <Loading /> : null
        ) : repos.data.total === 0 && !q ? (
          project.data?.kind === 'proxy' || project.data?.kind === 'group' ? (
            // Nothing is pushed into a proxy, and a group holds nothing itself: say how to pull.
            <EmptyState title={project.data.kind === 'proxy' ? 'Nothing cached yet' : 'A group holds no repositories itself'}>
              <p>{project.data.kind === 'proxy' ? 'Pull through it; what it fetches is kept here:' : 'Pull through it; its members answer in order:'}</p>
              <pre class="command-block">
                <code>{`docker pull ${host}/${name}/library/alpine:latest`}</code>
              </pre>
            </EmptyState>
          ) : (
            <EmptyState title="No repositories yet">
              <p>Push an image into this project:</p>
              <pre class="command-block">
                <code>{`docker tag IMG ${host}/${name}/app:1.0\ndocker push ${host}/${name}/app:1.0`}</code>
              </pre>
            </EmptyState>
          )
        ) : (
          <>
            <Table
              caption={`Repositories of ${name}`}
              rows={repos.data.repositories}
              rowKey={(r) => r.name}
              sort={sort}
              onSort={(s) => setQuery({ sort: s === 'name' || !SORTS.includes(s) ? null : s, page: null })}
              empty={<EmptyState title={`No repository matches “${q}”`} />}
              columns={[
                { key: 'name', header: 'Name', sortable: true, render: (r) => <Link href={repositoryHref(r.name)}>{r.name}</Link> },
                { key: 'description', header: 'Description', render: (r) => (r.description ? <span class="clamp">{r.description}</span> : <span class="muted">—</span>) },
                { key: 'tags', header: 'Tags', numeric: true, render: (r) => r.tagCount },
                { key: 'size', header: 'Size', numeric: true, sortable: true, descendingFirst: true, render: (r) => <Bytes value={r.bytes} /> },
                { key: 'pushed', header: 'Last push', sortable: true, descendingFirst: true, render: (r) => <RelativeTime value={r.lastPushedAt} /> },
                { key: 'stars', header: 'Stars', numeric: true, render: (r) => <>{r.starred ? <span class="visually-hidden">starred by you, </span> : null}{r.stars}</> },
              ]}
            />
            <Pager page={page} pageSize={PAGE_SIZE} total={repos.data.total} onPage={(p) => setQuery({ page: p === 1 ? null : p })} />
          </>
        )}
      </section>
    </>
  );
}
