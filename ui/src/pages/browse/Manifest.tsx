/**
 * One manifest by tag or digest. An image shows its config, layers, history, referrers and raw
 * JSON; an index shows a tab per platform, each loading that platform's own manifest.
 */
import { ApiError, enc } from '../../api';
import { Bytes, EmptyState, ErrorBanner, Loading, PageHeader, Tabs, shortDigest } from '../../components';
import { Link, useQuery } from '../../router';
import { useApi } from '../../use-api';
import { Digest } from './Digest';
import { ConfigSection, HistorySection, LayersSection, NoConfig, RawSection, ReferrersSection } from './ManifestSections';
import { manifestHref, platformName, projectHref, repositoryHref } from './paths';
import type { ManifestDetails } from './types';
import { isArtifact } from './TagsSection';

const isDigest = (reference: string) => /^[a-z0-9]+:[a-f0-9]{32,}$/.test(reference);

export function Manifest({ repository, reference }: { repository: string; reference: string }) {
  const detail = useApi<ManifestDetails>(`/api/v1/repositories/${enc(repository)}/-/manifests/${enc(reference)}`);
  const project = repository.split('/')[0]!;
  const title = isDigest(reference) ? `${repository}@${shortDigest(reference)}` : `${repository}:${reference}`;
  const breadcrumbs = (
    <>
      <Link href="/projects">Projects</Link> / <Link href={projectHref(project)}>{project}</Link> / <Link href={repositoryHref(repository)}>{repository.slice(project.length + 1)}</Link>
    </>
  );

  if (detail.error instanceof ApiError && detail.error.status === 404) {
    return (
      <>
        <PageHeader title="Manifest not found" breadcrumbs={breadcrumbs} />
        <EmptyState title={`${title} does not exist, or you may not pull it`} action={<Link href={repositoryHref(repository)} class="button">Back to the repository</Link>}>
          The tag may have been deleted: the repository page lists deleted tags that can be restored.
        </EmptyState>
      </>
    );
  }

  const data = detail.data;
  return (
    <>
      <PageHeader title={title} breadcrumbs={breadcrumbs}>
        {data ? <ManifestFacts data={data} repository={repository} /> : null}
      </PageHeader>
      <ErrorBanner error={detail.error} title="The manifest could not be loaded" onRetry={detail.reload} />
      {!data ? detail.loading ? <Loading /> : null : data.platforms.length > 0 ? <IndexBody data={data} repository={repository} /> : <ImageBody data={data} repository={repository} id="m" />}
    </>
  );
}

function ManifestFacts({ data, repository }: { data: ManifestDetails; repository: string }) {
  return (
    <dl class="kv manifest-facts">
      <dt>Digest</dt>
      <dd>
        <Digest digest={data.digest} />
      </dd>
      <dt>Media type</dt>
      <dd class="mono small">{data.mediaType}</dd>
      {isArtifact(data.artifactType) ? (
        <>
          <dt>Artifact type</dt>
          <dd class="mono small">{data.artifactType}</dd>
        </>
      ) : null}
      <dt>Size</dt>
      <dd>
        <Bytes value={data.size} />
      </dd>
      <dt>Tags</dt>
      <dd>
        {data.tags.length ? (
          <span class="badges">
            {data.tags.map((t) => (
              <Link key={t} href={manifestHref(repository, t)} class="badge">
                {t}
              </Link>
            ))}
          </span>
        ) : (
          <span class="muted">untagged</span>
        )}
      </dd>
      {data.subject ? (
        <>
          <dt>Refers to</dt>
          <dd>
            <Digest digest={data.subject} href={manifestHref(repository, data.subject)} />
          </dd>
        </>
      ) : null}
    </dl>
  );
}

function ImageBody({ data, repository, id }: { data: ManifestDetails; repository: string; id: string }) {
  return (
    <>
      {data.config ? <ConfigSection config={data.config} id={id} /> : <NoConfig />}
      <LayersSection detail={data} repository={repository} id={id} />
      <HistorySection detail={data} id={id} />
      <ReferrersSection detail={data} repository={repository} id={id} />
      <RawSection raw={data.raw} id={id} />
    </>
  );
}

function IndexBody({ data, repository }: { data: ManifestDetails; repository: string }) {
  const [query, setQuery] = useQuery();
  const wanted = query.get('platform');
  const active = data.platforms.find((p) => p.digest === wanted) ?? data.platforms[0]!;
  return (
    <>
      <section class="section" aria-labelledby="platforms-heading">
        <h2 id="platforms-heading">Platforms</h2>
        <Tabs
          label="Platforms"
          tabs={data.platforms.map((p) => ({ id: p.digest, label: platformName(p) }))}
          active={active.digest}
          onChange={(digest) => setQuery({ platform: digest === data.platforms[0]!.digest ? null : digest })}
        >
          <p class="meta">
            <span>
              <strong>{platformName(active)}</strong>: <Bytes value={active.size} />
            </span>
            <Link href={manifestHref(repository, active.digest)}>Open this platform’s manifest</Link>
          </p>
          <PlatformDetail key={active.digest} repository={repository} digest={active.digest} />
        </Tabs>
      </section>
      <ReferrersSection detail={data} repository={repository} id="index" />
      <RawSection raw={data.raw} id="index" />
    </>
  );
}

function PlatformDetail({ repository, digest }: { repository: string; digest: string }) {
  const detail = useApi<ManifestDetails>(`/api/v1/repositories/${enc(repository)}/-/manifests/${enc(digest)}`);
  if (detail.error) return <ErrorBanner error={detail.error} title="This platform’s manifest could not be loaded" onRetry={detail.reload} />;
  if (!detail.data) return <Loading />;
  const data = detail.data;
  return (
    <>
      {data.config ? <ConfigSection config={data.config} id="p" level={3} /> : <NoConfig />}
      <LayersSection detail={data} repository={repository} id="p" level={3} />
      <HistorySection detail={data} id="p" level={3} />
    </>
  );
}
