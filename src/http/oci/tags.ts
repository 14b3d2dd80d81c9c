/** GET /v2/<name>/tags/list (a group's: the union of its pullable members' tags). */
import { clientName, type OciHandler } from './oci-context.js';
import { parsePage, setNextLink } from './pagination.js';

export const listTags: OciHandler = async (context) => {
  const { name } = context.params;
  const { options } = context;
  const page = parsePage(context.request, undefined);
  const result =
    options.tagSources === undefined
      ? await context.registry.listings.tags(name, page)
      : await context.registry.listings.mergedTags(name, options.tagSources, page);
  const shown = clientName(options, name);
  setNextLink(context.reply, `/v2/${shown}/tags/list`, page.limit, result.next);
  return context.reply.code(200).send({ name: shown, tags: result.items });
};
