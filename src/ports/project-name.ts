/**
 * What a project is, by name: a repository's first path segment (`team` in `team/app`; a
 * single-segment name is its own project). Access control, policies and storage accounting
 * must agree on it, so it is defined once, here, below all of them.
 */
export function projectOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash === -1 ? repository : repository.slice(0, slash);
}
