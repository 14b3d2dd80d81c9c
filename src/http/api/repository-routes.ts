/**
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
import { NotFoundError } from '../../core/errors.js';
import type { StorageAdmin } from '../../core/lifecycle/storage-admin.js';
import { assertDigest, assertTag } from '../../core/reference/reference.js';
import { readJsonObject } from './api-body.js';
import { deletedTagJson } from './api-json.js';
import { param, type Wrap } from './api-route.js';

/** One operation on a repository; `segment` is the tag or digest in the path, when it has one. */
type Operation = (actor: Actor, repository: string, segment: string, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

function operations(storage: StorageAdmin) {
  return {
    deleteRepository: async (actor, repository) => storage.deleteRepository(actor, repository),
    deleteTag: async (actor, repository, tag, _request, reply) => {
      // Checked here, not only in core: a digest sent as a "tag" must not delete a manifest.
      await storage.deleteReference(actor, repository, assertTag(tag));
      return reply.code(204).send();
    },
    deleteManifest: async (actor, repository, digest, _request, reply) => {
      await storage.deleteReference(actor, repository, assertDigest(digest));
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
  { method: 'DELETE', suffix: /^$/, operation: 'deleteRepository' },
  { method: 'DELETE', suffix: /^-\/tags\/([^/]+)$/, operation: 'deleteTag' },
  { method: 'DELETE', suffix: /^-\/manifests\/([^/]+)$/, operation: 'deleteManifest' },
  { method: 'GET', suffix: /^-\/deleted-tags$/, operation: 'deletedTags' },
  { method: 'POST', suffix: /^-\/tags\/([^/]+)\/restore$/, operation: 'restoreTag' },
];

const SEPARATOR = '/-/';

export function registerRepositoryRoutes(app: FastifyInstance, storage: StorageAdmin, wrap: Wrap): void {
  const ops = operations(storage);
  const named = (operation: OperationName, segmentParam?: string) =>
    wrap((request, reply, actor) => ops[operation](actor, param(request, 'name'), segmentParam === undefined ? '' : param(request, segmentParam), request, reply));

  app.delete('/api/v1/repositories/:name', named('deleteRepository'));
  app.delete('/api/v1/repositories/:name/-/tags/:tag', named('deleteTag', 'tag'));
  app.delete('/api/v1/repositories/:name/-/manifests/:digest', named('deleteManifest', 'digest'));
  app.get('/api/v1/repositories/:name/-/deleted-tags', named('deletedTags'));
  app.post('/api/v1/repositories/:name/-/tags/:tag/restore', named('restoreTag', 'tag'));

  app.route({
    method: ['GET', 'POST', 'DELETE'],
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
