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
  setNextLink(context.reply, '/v2/_catalog', page.limit, result.next);
  return context.reply.code(200).send({ repositories: result.items });
};
