/**
 * One repository: description, star, pull commands, its tags (paged by the server) and the tags
 * deleted within the restore window.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, enc } from '../../api';
import { EmptyState, ErrorBanner, Loading, PageHeader } from '../../components';
import { Link } from '../../router';
import { useApi } from '../../use-api';
import { DeletedTags } from './DeletedTags';
import { projectHref } from './paths';
import { Description, PullCommands, RepositoryFacts, StarButton } from './RepositoryHeader';
import { TagsSection } from './TagsSection';
import type { RepositorySummary } from './types';

export function Repository({ name }: { name: string }) {
  const loaded = useApi<RepositorySummary>(`/api/v1/repositories/${enc(name)}`);
  const [summary, setSummary] = useState<RepositorySummary | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  useEffect(() => setSummary(loaded.data), [loaded.data]);
  const project = name.split('/')[0]!;

  if (loaded.error instanceof ApiError && loaded.error.status === 404) {
    return (
      <>
        <PageHeader title="Repository not found" breadcrumbs={<Link href="/projects">Projects</Link>} />
        <EmptyState title={`There is no repository “${name}” you can see`} action={<Link href="/projects" class="button">All projects</Link>}>
          It may be private: sign in as a member of its project.
        </EmptyState>
      </>
    );
  }
  // Tags deleted or restored change the counts above and the deleted-tags panel below.
  const changed = () => {
    loaded.reload();
    setGeneration((n) => n + 1);
  };

  return (
    <>
      <PageHeader
        title={name}
        breadcrumbs={
          <>
            <Link href="/projects">Projects</Link> / <Link href={projectHref(project)}>{project}</Link>
          </>
        }
        actions={summary ? <StarButton summary={summary} onChange={(starred, stars) => setSummary({ ...summary, starred, stars })} /> : null}
      />
      <ErrorBanner error={loaded.error} title="The repository could not be loaded" onRetry={loaded.reload} />
      {!summary ? (
        loaded.loading ? <Loading /> : null
      ) : (
        <>
          <div class="card repo-header-card">
            <Description summary={summary} onSaved={(description, descriptionSource) => setSummary({ ...summary, description, descriptionSource })} />
            <RepositoryFacts summary={summary} />
            <PullCommands summary={summary} />
          </div>
          <TagsSection summary={summary} generation={generation} onChanged={changed} />
          <DeletedTags repository={name} canRestore={summary.canDelete} generation={generation} onRestored={changed} />
        </>
      )}
    </>
  );
}
