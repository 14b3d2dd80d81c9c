/** Every project the caller can see, with storage from the overview when they may pull from it. */
import { useState } from 'preact/hooks';
import { Bytes, EmptyState, ErrorBanner, Field, Loading, PageHeader, RelativeTime, Table } from '../../components';
import { Link } from '../../router';
import { useSession } from '../../session';
import { useApi } from '../../use-api';
import { CreateProjectLink } from '../admin/NewProject';
import { projectHref } from './paths';
import { Quota } from './Quota';
import { kindSummary } from '../admin/ProjectKindFields';
import type { Overview, Project } from './types';

const KIND_LABELS = { hosted: 'Hosted', proxy: 'Proxy', group: 'Group' } as const;

export function Projects() {
  const { user } = useSession();
  const projects = useApi<{ projects: Project[] }>('/api/v1/projects');
  const overview = useApi<Overview>('/api/v1/overview');
  const [filter, setFilter] = useState('');
  const stats = new Map((overview.data?.projects ?? []).map((p) => [p.name, p]));
  const rows = (projects.data?.projects ?? []).filter((p) => p.name.includes(filter.trim().toLowerCase()));

  return (
    <>
      <PageHeader title="Projects" actions={user ? <CreateProjectLink /> : undefined}>Projects hold repositories; each has its own members, robots and policy.</PageHeader>
      <ErrorBanner error={projects.error} title="The projects could not be loaded" onRetry={projects.reload} />
      {!projects.data ? (
        projects.loading ? <Loading /> : null
      ) : projects.data.projects.length === 0 ? (
        <EmptyState title="No projects to show">
          {user?.systemAdmin ? (
            <>Create one with <code>berth project add NAME</code>, then push into it.</>
          ) : user ? (
            'Ask an administrator to add you to a project.'
          ) : (
            <>There are no public projects. <Link href="/sign-in?next=%2Fprojects">Sign in</Link> to see yours.</>
          )}
        </EmptyState>
      ) : (
        <>
          <div class="toolbar">
            <Field id="project-filter" label="Filter projects">
              {(props) => (
                <input {...props} class="input" type="search" autoComplete="off" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
              )}
            </Field>
          </div>
          <Table
            caption="Projects"
            rows={rows}
            rowKey={(p) => p.name}
            empty={<EmptyState title={`No project name contains “${filter.trim()}”`} />}
            columns={[
              { key: 'name', header: 'Name', sortable: true, value: (p) => p.name, render: (p) => <Link href={projectHref(p.name)}>{p.name}</Link> },
              { key: 'kind', header: 'Kind', sortable: true, value: (p) => p.kind ?? 'hosted', render: (p) => <span title={kindSummary(p) ?? undefined}>{KIND_LABELS[p.kind ?? 'hosted']}</span> },
              { key: 'visibility', header: 'Visibility', sortable: true, value: (p) => p.visibility, render: (p) => (p.visibility === 'public' ? 'Public' : 'Private') },
              { key: 'role', header: 'Your role', render: (p) => p.role ?? <span class="muted">—</span> },
              { key: 'repositories', header: 'Repositories', numeric: true, sortable: true, descendingFirst: true, value: (p) => stats.get(p.name)?.repositories ?? 0, render: (p) => stats.get(p.name)?.repositories ?? '—' },
              { key: 'bytes', header: 'Size', numeric: true, sortable: true, descendingFirst: true, value: (p) => stats.get(p.name)?.bytes ?? 0, render: (p) => <Bytes value={stats.get(p.name)?.bytes} /> },
              { key: 'quota', header: 'Quota', render: (p) => { const s = stats.get(p.name); return s ? <Quota used={s.bytes} quota={s.quotaBytes} label={p.name} /> : <span class="muted">—</span>; } },
              { key: 'created', header: 'Created', sortable: true, descendingFirst: true, value: (p) => p.createdAt, render: (p) => <RelativeTime value={p.createdAt} /> },
            ]}
          />
        </>
      )}
    </>
  );
}
