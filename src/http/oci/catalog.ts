/** GET /v2/_catalog */
import type { OciHandler } from './oci-context.js';
import { parsePage, setNextLink } from './pagination.js';

/** Without `n`, one generous page: podman search reads only the first page it gets. */
const DEFAULT_CATALOG_PAGE = 1000;

export const listCatalog: OciHandler = async (context) => {
  const page = parsePage(context.request, DEFAULT_CATALOG_PAGE);
  const result = await context.registry.listings.catalog(page);
  setNextLink(context.reply, '/v2/_catalog', page.limit, result.next);
  // Pages may come back shorter than `n` when the caller cannot see some repositories; the
  // Link header still continues after the last one examined, so nothing is skipped.
  const repositories = context.access.unrestricted ? result.items : await context.access.pullable(result.items);
  return context.reply.code(200).send({ repositories });
};
