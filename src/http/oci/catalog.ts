/** GET /v2/_catalog */
import type { OciHandler } from './oci-context.js';
import { parsePage, setNextLink } from './pagination.js';

/** Without `n`, one generous page: podman search reads only the first page it gets. */
const DEFAULT_CATALOG_PAGE = 1000;

export const listCatalog: OciHandler = async (context) => {
  const page = parsePage(context.request, DEFAULT_CATALOG_PAGE);
  // A caller who may not see everything gets pages of what it may see, and a Link that names
  // only a repository on its page: never one it cannot pull.
  const visible = context.access.unrestricted ? undefined : (names: string[]) => context.access.pullable(names);
  const result = await context.registry.listings.catalog(page, visible);
  // An anonymous caller who may see nothing would otherwise get a silent `[]` and no hint that
  // signing in shows more (Distribution answers every anonymous catalog with 401). Said the same
  // whether or not private repositories exist, so it tells nothing about them.
  const challenge = context.access.signInChallenge;
  if (challenge && result.items.length === 0 && page.last === undefined && page.limit !== 0) throw challenge();
  setNextLink(context.reply, '/v2/_catalog', page.limit, result.next);
  return context.reply.code(200).send({ repositories: result.items });
};
