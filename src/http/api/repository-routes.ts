/**
 *   GET    /api/v1/repositories/{name}                          summary for the UI
 *   GET    /api/v1/repositories/{name}/-/tags?n&page&sort&q     tags, paged, with sizes and markers
 *   GET    /api/v1/repositories/{name}/-/manifests/{tag|digest} one manifest: config, layers, referrers
 *   PUT    /api/v1/repositories/{name}/-/description            {description} ("" clears the edit)
 *   PUT    /api/v1/repositories/{name}/-/star                   star it → 204 (DELETE: unstar)
 *   POST   /api/v1/repositories/{name}/-/tags/delete            {tags:[…≤100]} (restorable) → {deleted, notFound, restorableUntil}
 *   DELETE /api/v1/repositories/{name}                          every tag (restorable) → {tags}
 *   DELETE /api/v1/repositories/{name}/-/tags/{tag}             one tag (restorable) → 204
 *   DELETE /api/v1/repositories/{name}/-/manifests/{digest}     a manifest and its tags → 204
 *   GET    /api/v1/repositories/{name}/-/deleted-tags           tags that can still be restored
 *   POST   /api/v1/repositories/{name}/-/tags/{tag}/restore     {} → {digest}
 *
 * A repository name has slashes (`team/app`). Callers may percent-encode them (`team%2Fapp`,
 * as OpenAPI clients do), which the `:name` routes below serve, or write the name as it is:
 * a wildcard route then takes the whole path and splits it at `/-/`, which cannot occur inside
 * a name (every component starts with a letter or a digit). Both reach the same operations.
 * The wildcard is registered with `app.route` because it is not an operation of its own: the
 * OpenAPI document (and its test) lists the operations, which are the `:name` routes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../core/access/admin-context.js';
import { principalName } from '../../core/access/principal.js';
import type { Notifier } from '../../core/events/notifier.js';
import type { EventInput } from '../../core/events/registry-event.js';
import { NotFoundError } from '../../core/errors.js';
import type { StorageAdmin } from '../../core/lifecycle/storage-admin.js';
import { assertDigest, assertTag } from '../../core/reference/reference.js';
import type { Browse } from '../../core/browse/browse.js';
import type { TagSort } from '../../ports/metadata-browse.js';
import { readJsonObject, requiredString, requiredStrings } from './api-body.js';
import { deletedTagJson } from './api-json.js';
import { param, type Wrap } from './api-route.js';
import { manifestJson, repositorySummaryJson, tagJson } from './browse-json.js';
import { listQuery } from './browse-query.js';
import { registryHost } from './browse-routes.js';

const TAG_SORTS: readonly TagSort[] = ['tag', '-pushed', '-size'];

/** The UI's views; absent when the app has no read API wired (then they answer 404). */
export interface RepositoryViews {
  browse: Browse;
  /** `http.host`, for pull commands. */
  baseUrl: string | undefined;
}

/** One operation on a repository; `segment` is the tag or digest in the path, when it has one. */
type Operation = (actor: Actor, repository: string, segment: string, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

function operations(storage: StorageAdmin, views: RepositoryViews | undefined, notifier: Notifier | undefined) {
  const browse = (): Browse => {
    if (views === undefined) throw new NotFoundError('no such endpoint');
    return views.browse;
  };
  return {
    summary: async (actor, repository, _segment, request) =>
      repositorySummaryJson(await browse().repositories.summary(actor, repository), registryHost(request, views?.baseUrl)),
    tags: async (actor, repository, _segment, request) => {
      const query = listQuery(request, TAG_SORTS, { n: 50, sort: '-pushed' });
      const result = await browse().tags.tags(actor, repository, query);
      return { tags: result.items.map(tagJson), total: result.total, page: query.page, n: query.n };
    },
    manifest: async (actor, repository, reference) => manifestJson(await browse().manifests.manifest(actor, repository, reference)),
    setDescription: async (actor, repository, _segment, request) => {
      const body = await readJsonObject(request, ['description']);
      const result = await browse().marks.setDescription(actor, repository, requiredString(body, 'description'));
      return { description: result.description, descriptionSource: result.descriptionSource ?? null };
    },
    star: async (actor, repository, _segment, _request, reply) => {
      await browse().marks.star(actor, repository, true);
      return reply.code(204).send();
    },
    unstar: async (actor, repository, _segment, _request, reply) => {
      await browse().marks.star(actor, repository, false);
      return reply.code(204).send();
    },
    deleteTags: async (actor, repository, _segment, request) => {
      const body = await readJsonObject(request, ['tags']);
      const result = await storage.deleteTags(actor, repository, requiredStrings(body, 'tags'));
      return { deleted: result.deleted, notFound: result.notFound, restorableUntil: result.restorableUntil.toISOString() };
    },
    deleteRepository: async (actor, repository) => storage.deleteRepository(actor, repository),
    deleteTag: async (actor, repository, tag, _request, reply) => {
      // Checked here, not only in core: a digest sent as a "tag" must not delete a manifest.
      await storage.deleteReference(actor, repository, assertTag(tag));
      return reply.code(204).send();
    },
    deleteManifest: async (actor, repository, digest, _request, reply) => {
      const checked = assertDigest(digest);
      await storage.deleteReference(actor, repository, checked);
      // The same manifest delete as on /v2, so project webhooks (DELETE_ARTIFACT) and
      // registry:2 listeners hear of it whichever way it was deleted.
      if (notifier?.enabled) notifier.publish(apiDeleteEvent(_request, actor, repository, checked));
      return reply.code(204).send();
    },
    deletedTags: async (actor, repository) => ({ deletedTags: (await storage.deletedTags(actor, repository)).map(deletedTagJson) }),
    restoreTag: async (actor, repository, tag, request) => {
      await readJsonObject(request, []);
      return storage.restoreTag(actor, repository, assertTag(tag));
    },
  } satisfies Record<string, Operation>;
}

type OperationName = keyof ReturnType<typeof operations>;

/** What may follow `<name>/-/` in the wildcard, per method; the group is the segment. */
const SUFFIXES: ReadonlyArray<{ method: string; suffix: RegExp; operation: OperationName }> = [
  { method: 'GET', suffix: /^$/, operation: 'summary' },
  { method: 'GET', suffix: /^-\/tags$/, operation: 'tags' },
  { method: 'GET', suffix: /^-\/manifests\/([^/]+)$/, operation: 'manifest' },
  { method: 'PUT', suffix: /^-\/description$/, operation: 'setDescription' },
  { method: 'PUT', suffix: /^-\/star$/, operation: 'star' },
  { method: 'DELETE', suffix: /^-\/star$/, operation: 'unstar' },
  { method: 'POST', suffix: /^-\/tags\/delete$/, operation: 'deleteTags' },
  { method: 'DELETE', suffix: /^$/, operation: 'deleteRepository' },
  { method: 'DELETE', suffix: /^-\/tags\/([^/]+)$/, operation: 'deleteTag' },
  { method: 'DELETE', suffix: /^-\/manifests\/([^/]+)$/, operation: 'deleteManifest' },
  { method: 'GET', suffix: /^-\/deleted-tags$/, operation: 'deletedTags' },
  { method: 'POST', suffix: /^-\/tags\/([^/]+)\/restore$/, operation: 'restoreTag' },
];

const SEPARATOR = '/-/';

export function registerRepositoryRoutes(app: FastifyInstance, storage: StorageAdmin, wrap: Wrap, views?: RepositoryViews, notifier?: Notifier): void {
  const ops = operations(storage, views, notifier);
  const named = (operation: OperationName, segmentParam?: string) =>
    wrap((request, reply, actor) => ops[operation](actor, param(request, 'name'), segmentParam === undefined ? '' : param(request, segmentParam), request, reply));

  app.delete('/api/v1/repositories/:name', named('deleteRepository'));
  app.delete('/api/v1/repositories/:name/-/tags/:tag', named('deleteTag', 'tag'));
  app.delete('/api/v1/repositories/:name/-/manifests/:digest', named('deleteManifest', 'digest'));
  app.get('/api/v1/repositories/:name/-/deleted-tags', named('deletedTags'));
  app.post('/api/v1/repositories/:name/-/tags/:tag/restore', named('restoreTag', 'tag'));
  if (views !== undefined) {
    app.get('/api/v1/repositories/:name', named('summary'));
    app.get('/api/v1/repositories/:name/-/tags', named('tags'));
    app.get('/api/v1/repositories/:name/-/manifests/:digest', named('manifest', 'digest'));
    app.put('/api/v1/repositories/:name/-/description', named('setDescription'));
    app.put('/api/v1/repositories/:name/-/star', named('star'));
    app.delete('/api/v1/repositories/:name/-/star', named('unstar'));
    app.post('/api/v1/repositories/:name/-/tags/delete', named('deleteTags'));
  }

  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/api/v1/repositories/*',
    handler: wrap(async (request, reply, actor) => {
      const path = param(request, '*');
      const at = path.indexOf(SEPARATOR);
      const [repository, suffix] = at === -1 ? [path, ''] : [path.slice(0, at), path.slice(at + 1)];
      for (const route of SUFFIXES) {
        const match = route.method === request.method ? route.suffix.exec(suffix) : null;
        if (match !== null) return ops[route.operation](actor, repository, match[1] ?? '', request, reply);
      }
      request.raw.resume();
      throw new NotFoundError(`no such endpoint: ${request.method} ${request.url.split('?')[0]}`);
    }),
  });
}

function apiDeleteEvent(request: FastifyRequest, actor: Actor, repository: string, digest: string): EventInput {
  return {
    action: 'delete',
    kind: 'manifest',
    target: { digest, repository },
    request: {
      id: request.id,
      addr: `${request.ip}:${request.raw.socket.remotePort ?? 0}`,
      host: request.headers.host ?? '',
      method: request.method,
      useragent: request.headers['user-agent'] ?? '',
    },
    actor: actor.kind === 'anonymous' ? undefined : principalName(actor),
  };
}
