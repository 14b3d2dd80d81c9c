/** Search results (GET /api/v1/search, Docker Hub's shape): name, description and stars, paged. */
import { EmptyState, ErrorBanner, Loading, PageHeader, Pager } from '../../components';
import { Link, useQuery } from '../../router';
import { useApi } from '../../use-api';
import { repositoryHref } from './paths';
import { SearchForm } from './SearchForm';
import type { SearchResults } from './types';

const PAGE_SIZE = 25;

export function Search() {
  const [query, setQuery] = useQuery();
  const q = (query.get('q') ?? '').trim();
  const page = Math.max(1, Number(query.get('page')) || 1);
  const { data, error, loading, reload } = useApi<SearchResults>(q ? '/api/v1/search' : null, { q, n: PAGE_SIZE, page });
  return (
    <>
      <PageHeader title={q ? `Search: ${q}` : 'Search'}>
        {data && q ? `${data.num_results.toLocaleString()} ${data.num_results === 1 ? 'repository matches' : 'repositories match'}` : null}
      </PageHeader>
      {/* Keyed by q so the box follows a search made from the top bar. */}
      <SearchForm key={q} id="search-page-input" initial={q} />
      <ErrorBanner error={error} title="The search failed" onRetry={reload} />
      {!q ? (
        <EmptyState title="Type a name or a word of a description">Search finds repositories you may pull by name or description.</EmptyState>
      ) : !data ? (
        loading ? <Loading label="Searching…" /> : null
      ) : data.results.length === 0 ? (
        <EmptyState title={`No repository matches “${q}”`} action={<Link href="/projects" class="button">Browse projects</Link>}>
          Try a shorter word, or look through the projects. Private repositories show only to their members.
        </EmptyState>
      ) : (
        <>
          <ul class="result-list" aria-label="Search results">
            {data.results.map((result) => (
              <li key={result.name} class="result">
                <div>
                  <Link href={repositoryHref(result.name)} class="result-name">
                    {result.name}
                  </Link>
                  <p class="result-description">{result.description || <span class="muted">No description</span>}</p>
                </div>
                <span class="small muted" title={`${result.star_count} stars`}>
                  <span aria-hidden="true">★ </span>
                  {result.star_count}
                  <span class="visually-hidden"> stars</span>
                </span>
              </li>
            ))}
          </ul>
          <Pager page={page} pageSize={PAGE_SIZE} total={data.num_results} onPage={(p) => setQuery({ page: p === 1 ? null : p })} />
        </>
      )}
    </>
  );
}
