/** `/repositories/<name>[/-/manifests/<ref>]`: picks the page for what follows the name. */
import { NotFound } from '../NotFound';
import type { Params } from '../../router';
import { Manifest } from './Manifest';
import { splitRepositoryPath } from './paths';
import { Repository } from './Repository';

export function RepositoryRoute({ params }: { params: Params }) {
  const { repository, sub } = splitRepositoryPath(params.path ?? '');
  if (!repository) return <NotFound />;
  if (sub.length === 0) return <Repository name={repository} />;
  if (sub.length === 2 && sub[0] === 'manifests' && sub[1]) return <Manifest repository={repository} reference={sub[1]} />;
  return <NotFound />;
}
