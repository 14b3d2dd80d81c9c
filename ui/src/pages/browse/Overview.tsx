/**
 * The landing page (GET /api/v1/overview): storage in all and per project, the biggest
 * repositories, the newest pushes, the collector for system admins, and a search box. With
 * nothing to show it says how to push the first image, with this registry's real host.
 */
import { useChanged } from './use-changed';
import { Bytes, EmptyState, ErrorBanner, Loading, PageHeader, RelativeTime, Table, formatBytes } from '../../components';
import { Link, signInHref } from '../../router';
import { useSession } from '../../session';
import { useRegistryHost } from '../../system';
import { useApi } from '../../use-api';
import { Digest } from './Digest';
import { manifestHref, projectHref, repositoryHref } from './paths';
import { Quota } from './Quota';
import { SearchForm } from './SearchForm';
import type { GcStatus, Overview as OverviewData } from './types';

export function Overview() {
  const { user, ready } = useSession();
  const { data, error, loading, reload } = useApi<OverviewData>(ready ? '/api/v1/overview' : null);
  // Signing in or out shows another set of projects.
  useChanged(user?.name, reload);
  return (
    <>
      <PageHeader title="Overview">{user ? <>Signed in as <strong>{user.name}</strong></> : 'Public repositories on this registry'}</PageHeader>
      <SearchForm id="overview-search" />
      <ErrorBanner error={error} title="The overview could not be loaded" onRetry={reload} />
      {!data ? loading || !ready ? <Loading /> : null : isEmpty(data) ? <FirstPush anonymous={!user} /> : <Contents data={data} />}
    </>
  );
}

function isEmpty(data: OverviewData): boolean {
  return data.recentPushes.length === 0 && data.biggestRepositories.length === 0;
}

function FirstPush({ anonymous }: { anonymous: boolean }) {
  const host = useRegistryHost();
  const command = `docker tag IMG ${host}/project/app:1.0 && docker push ${host}/project/app:1.0`;
  return (
    <EmptyState
      title={anonymous ? 'No public images yet' : 'Push your first image'}
      action={
        anonymous ? (
          <Link href={signInHref()} class="button button-primary">
            Sign in to see your projects
          </Link>
        ) : (
          <Link href="/projects" class="button">
            See projects
          </Link>
        )
      }
    >
      <p>Log in with docker, then tag and push an image into a project you may push to:</p>
      <pre class="command-block">
        <code>{`docker login ${host}\n${command}`}</code>
      </pre>
    </EmptyState>
  );
}

function Contents({ data }: { data: OverviewData }) {
  const repositories = data.projects.reduce((sum, p) => sum + p.repositories, 0);
  return (
    <>
      <div class="stats">
        <div class="stat">
          <span class="stat-value">{formatBytes(data.totalBytes)}</span>
          <span class="stat-label">stored in all</span>
        </div>
        <div class="stat">
          <span class="stat-value">{data.projects.length}</span>
          <span class="stat-label">{data.projects.length === 1 ? 'project' : 'projects'}</span>
        </div>
        <div class="stat">
          <span class="stat-value">{repositories}</span>
          <span class="stat-label">{repositories === 1 ? 'repository' : 'repositories'}</span>
        </div>
      </div>
      {data.gc ? <GcCard gc={data.gc} /> : null}
      <section class="section" aria-labelledby="overview-projects">
        <div class="section-header">
          <h2 id="overview-projects">Projects</h2>
          <Link href="/projects">All projects</Link>
        </div>
        <Table
          caption="Storage per project"
          rows={data.projects}
          rowKey={(p) => p.name}
          columns={[
            { key: 'name', header: 'Project', sortable: true, value: (p) => p.name, render: (p) => <Link href={projectHref(p.name)}>{p.name}</Link> },
            { key: 'public', header: 'Visibility', render: (p) => (p.public ? 'Public' : 'Private') },
            { key: 'repositories', header: 'Repositories', numeric: true, sortable: true, descendingFirst: true, value: (p) => p.repositories, render: (p) => p.repositories },
            { key: 'bytes', header: 'Size', numeric: true, sortable: true, descendingFirst: true, value: (p) => p.bytes, render: (p) => <Bytes value={p.bytes} /> },
            { key: 'quota', header: 'Quota', render: (p) => <Quota used={p.bytes} quota={p.quotaBytes} label={p.name} /> },
          ]}
        />
      </section>
      <div class="grid-2">
        <section class="section" aria-labelledby="overview-biggest">
          <h2 id="overview-biggest">Biggest repositories</h2>
          <Table
            caption="Biggest repositories"
            rows={data.biggestRepositories}
            rowKey={(r) => r.name}
            columns={[
              { key: 'name', header: 'Repository', render: (r) => <Link href={repositoryHref(r.name)}>{r.name}</Link> },
              { key: 'tags', header: 'Tags', numeric: true, render: (r) => r.tagCount },
              { key: 'bytes', header: 'Size', numeric: true, render: (r) => <Bytes value={r.bytes} /> },
            ]}
          />
        </section>
        <section class="section" aria-labelledby="overview-recent">
          <h2 id="overview-recent">Recent pushes</h2>
          <Table
            caption="Recent pushes"
            rows={data.recentPushes}
            rowKey={(p) => `${p.repository}:${p.tag}`}
            columns={[
              {
                key: 'image',
                header: 'Image',
                render: (p) => (
                  <Link href={manifestHref(p.repository, p.tag)}>
                    {p.repository}:{p.tag}
                  </Link>
                ),
              },
              { key: 'digest', header: 'Digest', render: (p) => <Digest digest={p.digest} copy={false} /> },
              { key: 'pushed', header: 'Pushed', render: (p) => <RelativeTime value={p.pushedAt} /> },
            ]}
          />
        </section>
      </div>
    </>
  );
}

function GcCard({ gc }: { gc: GcStatus }) {
  const running = gc.running;
  return (
    <section class="section card" aria-labelledby="overview-gc">
      <div class="section-header">
        <h2 id="overview-gc">Garbage collection</h2>
        <Link href="/gc">Open garbage collection</Link>
      </div>
      {running ? (
        <p>
          Running now: <strong>{running.phase}</strong>
          {running.progress ? ` (${running.progress.done} of ${running.progress.total}, ${formatBytes(running.progress.bytesFreed)} freed)` : ''}, started{' '}
          <RelativeTime value={running.startedAt} />.
        </p>
      ) : gc.elsewhere ? (
        <p>A collection is running in another process{gc.elsewhere.host ? ` on ${gc.elsewhere.host}` : ''}.</p>
      ) : gc.last ? (
        <p>
          Last run <RelativeTime value={gc.last.startedAt} />: freed <Bytes value={gc.last.bytesFreed} />, removed {gc.last.manifestsRemoved} manifests and{' '}
          {gc.last.blobsRemoved} blobs.
        </p>
      ) : (
        <p class="muted">No collection has run since the server started.</p>
      )}
      {gc.interrupted && !gc.interrupted.cleanedAt ? <p class="muted small">{gc.interrupted.message}</p> : null}
    </section>
  );
}
