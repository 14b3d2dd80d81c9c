/** GET /v2/<name>/tags/list */
import type { OciHandler } from './oci-context.js';
import { parsePage, setNextLink } from './pagination.js';

export const listTags: OciHandler = async (context) => {
  const { name } = context.params;
  const page = parsePage(context.request, undefined);
  const result = await context.registry.listings.tags(name, page);
  setNextLink(context.reply, `/v2/${name}/tags/list`, page.limit, result.next);
  return context.reply.code(200).send({ name, tags: result.items });
};
