/**
 * The /v2 route table. Repository names contain slashes, so the path after /v2/ is matched
 * here against anchored patterns (most specific first) rather than by the router's params.
 *
 *   GET        /v2/                                  api version check
 *   GET        /v2/_catalog                          repositories (n, last)
 *   GET        /v2/<name>/tags/list                  tags (n, last)
 *   GET HEAD PUT DELETE  /v2/<name>/manifests/<ref>  manifests by tag or digest
 *   POST       /v2/<name>/blobs/uploads/             start, monolithic (?digest=), mount (?mount=&from=)
 *   GET PATCH PUT DELETE /v2/<name>/blobs/uploads/<id>  status, chunk, complete, cancel
 *   GET HEAD DELETE      /v2/<name>/blobs/<digest>   blobs
 *   GET        /v2/<name>/referrers/<digest>         referrers (artifactType)
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isValidName } from '../../core/reference/reference.js';
import type { RoutedOperation } from '../../core/registry/name-routing.js';
import type { Registry } from '../../core/registry/registry.js';
import { requirementOf } from '../auth/access-guard.js';
import { fullName, outwardError } from '../connector/connector-names.js';
import { connectorOf } from '../connector/connector-server.js';
import { edgeErrors } from '../errors/error-table.js';
import { sendError } from '../errors/error-handler.js';
import { apiVersion } from './base.js';
import { cancelUpload, completeUpload, patchUpload, startUpload, uploadStatus } from './blob-uploads.js';
import { deleteBlob, getBlob, headBlob } from './blobs.js';
import { listCatalog } from './catalog.js';
import { deleteManifest, getManifest, headManifest, putManifest } from './manifests.js';
import { memberCaller, mountFrom, queryValue, type OciHandler, type OciOptions, type OciParams } from './oci-context.js';
import { listReferrers } from './referrers.js';
import { listTags } from './tags.js';

type Method = 'GET' | 'HEAD' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';

interface OciRoute {
  /** Stable route label for logs and metrics. */
  label: string;
  pattern: RegExp;
  methods: Partial<Record<Method, OciHandler>>;
}

const NAME = '(?<name>[^?]+?)';
export const ociRoutes: readonly OciRoute[] = [
  { label: 'base', pattern: /^$/, methods: { GET: apiVersion, HEAD: apiVersion } },
  { label: 'catalog', pattern: /^_catalog$/, methods: { GET: listCatalog } },
  { label: 'tags', pattern: new RegExp(`^${NAME}/tags/list$`), methods: { GET: listTags } },
  {
    label: 'manifest',
    pattern: new RegExp(`^${NAME}/manifests/(?<reference>[^/]+)$`),
    methods: { GET: getManifest, HEAD: headManifest, PUT: putManifest, DELETE: deleteManifest },
  },
  { label: 'upload-start', pattern: new RegExp(`^${NAME}/blobs/uploads/?$`), methods: { POST: startUpload } },
  {
    label: 'upload',
    pattern: new RegExp(`^${NAME}/blobs/uploads/(?<id>[^/]+)$`),
    methods: { GET: uploadStatus, PATCH: patchUpload, PUT: completeUpload, DELETE: cancelUpload },
  },
  {
    label: 'blob',
    pattern: new RegExp(`^${NAME}/blobs/(?<digest>[^/]+)$`),
    methods: { GET: getBlob, HEAD: headBlob, DELETE: deleteBlob },
  },
  { label: 'referrers', pattern: new RegExp(`^${NAME}/referrers/(?<digest>[^/]+)$`), methods: { GET: listReferrers } },
];

export interface MatchedRoute {
  label: string;
  handler: OciHandler | undefined;
  params: OciParams;
}

/** Matches the path after `/v2/` (no query string). */
export function matchOciRoute(path: string, method: string): MatchedRoute | undefined {
  for (const route of ociRoutes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    const groups = match.groups ?? {};
    return {
      label: route.label,
      handler: route.methods[method as Method],
      params: {
        name: groups.name ?? '',
        reference: decode(groups.reference),
        digest: decode(groups.digest),
        id: groups.id ?? '',
      },
    };
  }
  return undefined;
}

/**
 * The path of a request target without its query. HTTP/1.1 servers must accept the
 * absolute-form (`GET http://host/v2/ HTTP/1.1`, RFC 9112 §3.2.2) and the router already
 * matches it by path, so the scheme and authority are dropped here too; nothing else is
 * normalised, so `..` or escapes in a name still reach the name check as sent.
 */
function targetPath(url: string): string {
  const path = url.startsWith('/') ? url : url.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/, '');
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

function decode(value: string | undefined): string {
  if (value === undefined) return '';
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the /v2 route matched: what the request log and metrics report. */
    oci: { route: string; name: string; reference: string } | null;
  }
}

export type OciDispatch = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Matches a /v2 request against the table and runs its handler. */
export function createOciDispatch(registry: Registry, options: OciOptions): OciDispatch {
  return async (request, reply) => {
    const connector = connectorOf(request);
    if (connector === undefined) return dispatch(registry, options, request, reply);
    // Locations stay on the connector (relative: http.host names the main port).
    try {
      return await dispatch(registry, { ...options, baseUrl: undefined, connector }, request, reply);
    } catch (error) {
      throw outwardError(error, connector, request, reply);
    }
  };
}

async function dispatch(registry: Registry, options: OciOptions, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const path = targetPath(request.url).slice('/v2/'.length);
  const matched = matchOciRoute(path, request.method);
  if (!matched) return sendError(reply, edgeErrors.notFound, `no such endpoint: ${request.method} /v2/${path}`);
  const { params } = matched;
  const connector = options.connector;
  // On a connector every name is relative to its project; an invalid one stays as sent, for the
  // handler's name check to refuse.
  if (connector !== undefined && isValidName(params.name)) params.name = fullName(connector, params.name);
  request.oci = {
    route: matched.label,
    name: params.name,
    reference: params.reference || params.digest || params.id,
  };
  if (!matched.handler) {
    return sendError(reply, edgeErrors.methodNotAllowed, `${request.method} is not allowed on ${matched.label}`);
  }
  const asked = params.name;
  // A mirror serves the name as the client asked; access is judged on the repository serving it.
  // A connector names its project, so no mirror routing there.
  if (connector === undefined && isRead(matched.label, request.method) && isValidName(asked)) {
    const mirrored = await registry.routing.mirrored(asked, queryValue(request, 'ns'));
    if (mirrored !== undefined && isValidName(mirrored)) params.name = mirrored;
  }
  const needed = requirementOf(matched.label, request.method, params.name, mountSource(request, options));
  if (needed.kind === 'repository' && params.name !== asked) needed.asked = asked;
  const access = await options.guard.check(request, reply, needed);
  request.actor = access.actor;
  // A group: pull on the group was checked above; the member must be pullable (or pushable) too,
  // judged on the account (a token names the group, not its members).
  const caller = memberCaller({ access });
  let handlerOptions = options;
  if (matched.label === 'tags' && isValidName(params.name)) {
    const members = await registry.routing.readableMembers(params.name, caller);
    if (members !== undefined) handlerOptions = { ...options, tagSources: members };
  } else {
    const operation = isValidName(params.name) ? routedOperation(matched.label, request.method, params) : undefined;
    const member = operation === undefined ? undefined : await registry.routing.member(params.name, operation, caller);
    if (member !== undefined) {
      handlerOptions = { ...options, alias: { served: member, asked: params.name } };
      params.name = member;
    }
  }
  return matched.handler({ registry, options: handlerOptions, params, request, reply, access });
}

const READ_ROUTES = new Set(['manifest', 'blob', 'tags', 'referrers']);

function isRead(label: string, method: string): boolean {
  return READ_ROUTES.has(label) && (method === 'GET' || method === 'HEAD');
}

/** What a group member is chosen for; undefined for routes that name no repository. */
function routedOperation(label: string, method: string, params: OciParams): RoutedOperation | undefined {
  if (label === 'base' || label === 'catalog') return undefined;
  if (isRead(label, method)) {
    switch (label) {
      case 'manifest':
        return { kind: 'manifest', reference: params.reference };
      case 'blob':
        return { kind: 'blob', digest: params.digest };
      case 'tags':
        return { kind: 'tags' };
      default:
        return { kind: 'referrers', digest: params.digest };
    }
  }
  if (label === 'upload' && method === 'GET') return { kind: 'write', action: 'push' };
  return { kind: 'write', action: method === 'DELETE' && label !== 'upload' ? 'delete' : 'push' };
}

/** A mount's `from` when it names a repository (the handler refuses other values itself). */
function mountSource(request: FastifyRequest, options: OciOptions): string | undefined {
  if (request.method !== 'POST' || queryValue(request, 'mount') === undefined) return undefined;
  const from = mountFrom(request, options);
  return from !== undefined && isValidName(from) ? from : undefined;
}


export function registerOciRoutes(app: FastifyInstance, dispatch: OciDispatch): void {
  app.decorateRequest('oci', null);
  const methods: Method[] = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'];
  app.route({ method: methods, url: '/v2', handler: dispatch, exposeHeadRoute: false });
  app.route({ method: methods, url: '/v2/*', handler: dispatch, exposeHeadRoute: false });
}
