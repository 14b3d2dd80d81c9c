/** GET /v2/_catalog */
import type { Page } from '../../ports/metadata-store.js';
import type { OciContext, OciHandler } from './oci-context.js';
import { parsePage, setNextLink } from './pagination.js';

/** Without `n`, one generous page: podman search reads only the first page it gets. */
const DEFAULT_CATALOG_PAGE = 1000;

export const listCatalog: OciHandler = async (context) => {
  const page = parsePage(context.request, DEFAULT_CATALOG_PAGE);
  // A caller who may not see everything gets pages of what it may see, and a Link that names
  // only a repository on its page: never one it cannot pull.
  const visible = context.access.unrestricted ? undefined : (names: string[]) => context.access.pullable(names);
  const connector = context.options.connector;
  const result = connector === undefined ? await context.registry.listings.catalog(page, visible) : await connectorCatalog(context, connector, page, visible);
  // An anonymous caller who may see nothing would otherwise get a silent `[]` and no hint that
  // signing in shows more (Distribution answers every anonymous catalog with 401). Said the same
  // whether or not private repositories exist, so it tells nothing about them.
  const challenge = context.access.signInChallenge;
  if (challenge && result.items.length === 0 && page.last === undefined && page.limit !== 0) throw challenge();
  setNextLink(context.reply, '/v2/_catalog', page.limit, result.next);
  return context.reply.code(200).send({ repositories: result.items });
};

/**
 * A connector's catalog: its project's repositories, relative to it; for a group, the union of
 * its members' (each seen only where the caller may pull it), and nothing unless the caller
 * may pull from the group itself.
 */
async function connectorCatalog(context: OciContext, project: string, page: Page, visible: ((names: string[]) => Promise<string[]>) | undefined) {
  const members = await context.registry.routing.groupMembers(project);
  // Pull rights are a project's: any name in the group asks about the group.
  if (members !== undefined && visible !== undefined && (await visible([`${project}/_`])).length === 0) return { items: [], next: undefined };
  return context.registry.listings.catalogUnder(members ?? [project], page, visible);
}
