/**
 * The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json. Written by hand next
 * to the routes rather than generated from them, so it reads as documentation; the API tests
 * check that every route registered under /api/v1 appears here.
 */
import { schemas } from './openapi-schemas.js';

type Operation = Record<string, unknown>;

const json = (schema: unknown) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const list = (key: string, item: string) => ({ type: 'object', properties: { [key]: { type: 'array', items: ref(item) } }, required: [key] });

function ok(description: string, schema?: unknown, status = '200') {
  return { [status]: schema === undefined ? { description } : { description, content: json(schema) } };
}

const errors = {
  '400': { $ref: '#/components/responses/BadRequest' },
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': { $ref: '#/components/responses/Denied' },
  '404': { $ref: '#/components/responses/NotFound' },
};
const withConflict = { '409': { $ref: '#/components/responses/Conflict' } };
const withUnsupported = { '405': { $ref: '#/components/responses/Unsupported' } };

function op(summary: string, responses: Record<string, unknown>, extra: Operation = {}): Operation {
  return { summary, ...extra, responses: { ...responses, ...errors } };
}

function body(name: string) {
  return { requestBody: { required: true, content: json(ref(name)) } };
}

const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const userParam = pathParam('name', 'User name.');
const projectParam = pathParam('name', 'Project name.');
const repositoryParam = pathParam(
  'name',
  'Repository name, e.g. team/app: percent-encoded (team%2Fapp) or with its slashes as they are; `/-/` separates it from what follows.',
);
const tagParam = pathParam('tag', 'Tag.');
const queryParam = (name: string, schema: unknown, description: string) => ({ name, in: 'query', required: false, schema, description });
const listParams = (n: number, sorts: string[], sort: string, q: string) => [
  queryParam('n', { type: 'integer', minimum: 1, maximum: 100, default: n }, 'Page size; outside 1–100: 400.'),
  queryParam('page', { type: 'integer', minimum: 1, default: 1 }, 'Page number, from 1.'),
  queryParam('sort', { type: 'string', enum: sorts, default: sort }, 'Order; `-` is descending (ties by name).'),
  queryParam('q', { type: 'string', maxLength: 255 }, q),
];

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Berth management API',
    version: '1',
    description:
      'Users, personal access tokens, projects, members, robot accounts, the audit log, and storage: project policies, ' +
      'quotas, usage, retention, garbage collection, deletes and restores. Authenticate with HTTP Basic ' +
      '(a password, a personal access token `bpat_…`, or a robot secret) or with `Authorization: Bearer bpat_…`. Registry ' +
      'tokens from /token are for /v2 only and are refused here (401). The web UI signs in with POST /api/v1/session and ' +
      'then sends the berth_session cookie, plus X-CSRF-Token on every request that is not GET or HEAD. Creating tokens, users or robots and changing a ' +
      'password need the password itself, not a personal access token. Bodies are ' +
      'JSON (`Content-Type: application/json` is required) and unknown fields are refused. Errors use the OCI envelope.',
  },
  servers: [{ url: '/' }],
  security: [{ basic: [] }, { bearer: [] }, { session: [] }],
  paths: {
    '/api/v1/me': { get: op('The caller: user (with project roles) or robot', ok('The caller.', ref('Me'))) },
    '/api/v1/users': {
      get: op('List users (system admins)', ok('Users by name.', list('users', 'User'))),
      post: op('Create a user (system admins)', { ...ok('Created.', ref('CreatedUser'), '201'), ...withConflict }, body('NewUser')),
    },
    '/api/v1/users/{name}': {
      parameters: [userParam],
      get: op('One user (system admins, or the user)', ok('The user.', ref('User'))),
      patch: op('Change password, disabled or systemAdmin', { ...ok('The user after the change.', ref('User')), ...withConflict }, body('UserChanges')),
      delete: op('Delete a user, their memberships and tokens (system admins)', { ...ok('Deleted.', undefined, '204'), ...withConflict }),
    },
    '/api/v1/users/{name}/tokens': {
      parameters: [userParam],
      get: op("The user's personal access tokens (the user or system admins)", ok('Tokens, oldest first.', list('tokens', 'Token'))),
      post: op('Create a personal access token', { ...ok('Created; `token` is shown only now.', ref('CreatedToken'), '201'), ...withConflict }, body('NewToken')),
    },
    '/api/v1/users/{name}/tokens/{id}': {
      parameters: [userParam, pathParam('id', 'Token id.')],
      delete: op('Revoke a personal access token, and every refresh token obtained with it', ok('Revoked.', undefined, '204')),
    },
    '/api/v1/users/{name}/refresh-tokens': {
      parameters: [userParam],
      get: op(
        "The user's refresh tokens (offline logins), revoked ones included (the user or system admins)",
        ok('Refresh tokens, oldest first.', list('refreshTokens', 'RefreshToken')),
      ),
    },
    '/api/v1/users/{name}/refresh-tokens/{id}': {
      parameters: [userParam, pathParam('id', 'Refresh token id.')],
      delete: op('Revoke a refresh token (the user or system admins)', ok('Revoked.', undefined, '204')),
    },
    '/api/v1/projects': {
      get: op('Projects the caller can see', ok('Projects by name.', list('projects', 'Project'))),
      post: op(
        'Create a project (system admins; any user when projects are created on push); the creator becomes its admin. With `proxy` (system admins only), a pull-through cache of that upstream, pinged first unless proxy.check is false',
        { ...ok('Created.', ref('Project'), '201'), ...withConflict },
        body('NewProject'),
      ),
    },
    '/api/v1/projects/{name}': {
      parameters: [projectParam],
      get: op('One project', ok('The project.', ref('Project'))),
      patch: op('Change visibility (project admins, system admins) or a proxy project\'s upstream settings (system admins)', ok('The project after the change.', ref('Project')), body('ProjectChanges')),
    },
    '/api/v1/projects/{name}/members': {
      parameters: [projectParam],
      get: op('Members (members and system admins)', ok('Members by user name.', list('members', 'Member'))),
    },
    '/api/v1/projects/{name}/members/{user}': {
      parameters: [projectParam, pathParam('user', 'User name.')],
      get: op('One membership', ok('The membership.', ref('Member'))),
      put: op('Add a member or change their role (project admins, system admins)', { ...ok('The membership.', ref('Member')), ...withConflict }, body('MemberRole')),
      delete: op('Remove a member', { ...ok('Removed.', undefined, '204'), ...withConflict }),
    },
    '/api/v1/projects/{name}/robots': {
      parameters: [projectParam],
      get: op("The project's robot accounts (project admins, system admins)", ok('Robots by name.', list('robots', 'Robot'))),
      post: op('Create a robot account; its full name is robot$<project>+<name>', { ...ok('Created; `secret` is shown only now.', ref('CreatedRobot'), '201'), ...withConflict }, body('NewRobot')),
    },
    '/api/v1/projects/{name}/webhooks': {
      parameters: [projectParam],
      get: op("The project's webhooks, never their secrets (project admins, system admins)", ok('Webhooks by id.', list('webhooks', 'Webhook'))),
      post: op(
        "Add a webhook: Harbor's event payload, POSTed one event per request and signed with X-Berth-Signature: t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">. The URL may not resolve to a loopback, private or link-local address unless notifications.webhooks.allowprivatetargets is set",
        { ...ok('Created; `secret` is present only when Berth generated it, and only now.', ref('CreatedWebhook'), '201'), ...withConflict },
        body('NewWebhook'),
      ),
    },
    '/api/v1/projects/{name}/webhooks/{id}': {
      parameters: [projectParam, pathParam('id', 'Webhook id.')],
      get: op('One webhook', ok('The webhook.', ref('Webhook'))),
      patch: op('Change a webhook (a new secret replaces the old one for every later attempt)', ok('The webhook after the change.', ref('Webhook')), body('WebhookChanges')),
      delete: op('Remove a webhook and the events waiting for it', ok('Removed.', undefined, '204')),
    },
    '/api/v1/projects/{name}/webhooks/{id}/deliveries': {
      parameters: [projectParam, pathParam('id', 'Webhook id.')],
      get: op('Events waiting and the latest delivery attempts, newest first (at most 100: ?limit=)', ok('The delivery log.', ref('WebhookDeliveries'))),
    },
    '/api/v1/robots/{name}': {
      parameters: [pathParam('name', 'Full robot name, e.g. robot$team+ci (URL-encoded or not).')],
      delete: op('Delete a robot account', ok('Deleted.', undefined, '204')),
    },
    '/api/v1/audit': {
      get: op(
        'Audit events, newest first (system admins)',
        {
          '200': {
            description: 'A page of events, or every matching event as JSON lines.',
            content: { ...json(ref('AuditPage')), 'application/x-ndjson': { schema: ref('AuditEvent') } },
          },
        },
        {
          parameters: [
            queryParam('actor', { type: 'string' }, 'Exact account name (or `anonymous`, `cli`).'),
            queryParam('action', { type: 'string' }, 'Exact action, e.g. login, push, user.create.'),
            queryParam('repository', { type: 'string' }, 'Exact repository, or project for project-level events.'),
            queryParam('since', { type: 'string', format: 'date-time' }, 'At or after this time.'),
            queryParam('until', { type: 'string', format: 'date-time' }, 'Before this time.'),
            queryParam('before', { type: 'integer' }, 'Events with a lower id (the previous page’s `next`).'),
            queryParam('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, 'Page size (not for JSON lines).'),
            queryParam('format', { type: 'string', enum: ['json', 'jsonl'] }, '`jsonl` exports every match as JSON lines, as `Accept: application/x-ndjson` does.'),
          ],
        },
      ),
    },
    '/api/v1/search': {
      get: op(
        'Repositories whose name or description contains q (case-insensitive), of those the caller may pull; anonymous callers see public projects when anonymous pull is on. Also served as GET /v1/search for docker search',
        ok('One page of matches, in name order.', ref('SearchResults')),
        {
          parameters: [
            queryParam('q', { type: 'string', maxLength: 255 }, 'Text to find; `%` and `_` are literal. Longer than 255 characters: 400.'),
            queryParam('n', { type: 'integer', minimum: 1, maximum: 100, default: 25 }, 'Page size; outside 1–100: 400.'),
            queryParam('page', { type: 'integer', minimum: 1, default: 1 }, 'Page number, from 1.'),
          ],
        },
      ),
    },
    '/api/v1/settings': {
      get: op('System settings with the value in force and where it comes from (system admins)', ok('Every setting.', ref('SettingList'))),
      patch: op(
        'Set system settings (stored, they win over the config until reset with null) or reset them (system admins); applies at once; audited as settings.set and settings.reset',
        ok('Every setting after the change.', ref('SettingList')),
        body('SettingChanges'),
      ),
    },
    '/api/v1/projects/{name}/policy': {
      parameters: [projectParam],
      get: op("The project's write policy, immutable tags, quota and retention rules (whoever may pull from it)", ok('The policy.', ref('Policy'))),
      patch: op(
        'Change the policy: write policy, immutable tags and retention (project admins), quota (system admins); audited as policy.set',
        ok('The policy after the change.', ref('Policy')),
        body('PolicyChanges'),
      ),
    },
    '/api/v1/projects/{name}/usage': {
      parameters: [projectParam],
      get: op('What the project holds, in all and per repository (whoever may pull from it)', ok('Usage and quota.', ref('ProjectUsage'))),
    },
    '/api/v1/usage': {
      get: op('Every project’s usage and quota (system admins)', ok('Projects holding anything or having a quota, by name.', list('projects', 'ProjectUsageSummary'))),
    },
    '/api/v1/projects/{name}/retention/run': {
      parameters: [projectParam],
      post: op(
        'Apply the project’s retention rules, or with dryRun list exactly what they would remove (project admins)',
        { ...ok('What was (or would be) removed; removed tags are restorable.', ref('RetentionReport')), ...withUnsupported },
        body('RetentionRun'),
      ),
    },
    '/api/v1/gc': {
      get: op('The collection running in this process or elsewhere, one that stopped without finishing, and the last one anywhere (system admins)', ok('Collection status.', ref('GcStatus'))),
      post: op(
        'Collect garbage, or with dryRun report what would go, and what is held back, why and until when (system admins); `now: true` frees deleted content at once; 409 while another collection runs',
        { ...ok('What was (or would be) removed.', ref('GcReport')), ...withConflict },
        body('GcRun'),
      ),
    },
    '/api/v1/overview': {
      get: op(
        'What the caller may pull, in sum: storage per project, the biggest repositories, the newest pushes; the collector status for system admins',
        ok('The overview.', ref('Overview')),
      ),
    },
    '/api/v1/projects/{name}/repositories': {
      parameters: [projectParam],
      get: op(
        "A project's repositories with descriptions, tag counts, sizes and stars (whoever may pull from it; 404 for others, as for a missing project)",
        ok('One page.', ref('RepositoryPage')),
        { parameters: listParams(25, ['name', '-pushed', '-size'], 'name', 'Name or description contains q (ASCII case-insensitive).') },
      ),
    },
    '/api/v1/repositories/{name}': {
      parameters: [repositoryParam],
      get: op(
        'A repository: description and its source, stars, tags, size, pull commands (http.host, else the Host sent), and what the caller may do (pull permission; 404 otherwise)',
        ok('The repository.', ref('RepositorySummary')),
      ),
      delete: op(
        'Delete every tag of a repository (each restorable); the collector removes the rest (delete permission)',
        { ...ok('Deleted.', ref('RepositoryDeleted')), ...withUnsupported },
      ),
    },
    '/api/v1/repositories/{name}/-/tags/{tag}': {
      parameters: [repositoryParam, tagParam],
      delete: op('Delete a tag, restorable within the restore window (delete permission)', { ...ok('Deleted.', undefined, '204'), ...withUnsupported }),
    },
    '/api/v1/repositories/{name}/-/tags': {
      parameters: [repositoryParam],
      get: op(
        "A repository's tags, paged: sizes (manifest + config + layers; an index's per platform), push and pull times, and whether referrers or cosign tags sign it or attach an SBOM or attestations (pull permission)",
        ok('One page.', ref('TagPage')),
        { parameters: listParams(50, ['tag', '-pushed', '-size'], '-pushed', 'Tag name contains q (ASCII case-insensitive).') },
      ),
    },
    '/api/v1/repositories/{name}/-/tags/delete': {
      parameters: [repositoryParam],
      post: op(
        'Delete up to 100 tags at once, each restorable within the restore window and audited as its own delete; an immutable tag refuses the whole request (delete permission)',
        { ...ok('What was deleted; tags that did not exist are listed in notFound.', ref('TagsDeleted')), ...withUnsupported },
        body('TagsToDelete'),
      ),
    },
    '/api/v1/repositories/{name}/-/description': {
      parameters: [repositoryParam],
      put: op(
        `Edit the description (push permission): it wins over pushed annotations and labels until cleared with ""; control and format characters become spaces; at most 1000 characters; audited as description.set`,
        ok('The description now in force.', ref('Description')),
        body('DescriptionEdit'),
      ),
    },
    '/api/v1/repositories/{name}/-/star': {
      parameters: [repositoryParam],
      put: op('Star the repository (signed-in users who may pull; robots and anonymous callers are refused)', ok('Starred.', undefined, '204')),
      delete: op('Remove your star', ok('Not starred.', undefined, '204')),
    },
    '/api/v1/repositories/{name}/-/manifests/{digest}': {
      parameters: [repositoryParam, pathParam('digest', 'A manifest digest (sha256:…); GET also takes a tag.')],
      get: op(
        'One manifest: tags, raw JSON, image config (from its config blob: env, entrypoint, cmd, labels, history), layers with the command that made each and the other repositories the caller may pull that share it, platforms of an index, referrers (pull permission)',
        ok('The manifest.', ref('ManifestDetails')),
      ),
      delete: op('Delete a manifest and every tag on it, as DELETE /v2/…/manifests/<digest> (delete permission)', { ...ok('Deleted.', undefined, '204'), ...withUnsupported }),
    },
    '/api/v1/repositories/{name}/-/deleted-tags': {
      parameters: [repositoryParam],
      get: op('Deleted tags that can still be restored (pull permission)', ok('Deleted tags.', list('deletedTags', 'DeletedTag'))),
    },
    '/api/v1/repositories/{name}/-/tags/{tag}/restore': {
      parameters: [repositoryParam, tagParam],
      post: op(
        'Put a deleted tag back on the manifest it named (delete permission); 409 when the tag exists again',
        { ...ok('Restored.', ref('Restored')), ...withConflict },
        body('Empty'),
      ),
    },
    '/api/v1/session': {
      get: {
        summary: 'The browser session the berth_session cookie names, if it is live (public)',
        security: [],
        responses: ok('Signed in or not.', ref('SessionState')),
      },
      post: op(
        'Sign in with a user name and password (not a robot or personal access token: 403); sets the berth_session cookie (HttpOnly, SameSite=Strict, Secure over TLS). Throttled like docker login (429).',
        ok('Signed in; send csrfToken as X-CSRF-Token on every request that is not GET or HEAD.', ref('Session')),
        { security: [], ...body('SignIn') },
      ),
      delete: op('Sign out: ends the session and clears the cookie (needs X-CSRF-Token when signed in)', ok('Signed out.', undefined, '204'), {
        security: [{ session: [] }, {}],
      }),
    },
    '/api/v1/system': {
      get: {
        summary: 'What the web UI needs to know about this registry (public)',
        security: [],
        responses: ok('The registry.', ref('System')),
      },
    },
    '/api/v1/openapi.json': {
      get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } },
    },
  },
  components: {
    securitySchemes: {
      basic: { type: 'http', scheme: 'basic', description: 'User and password or personal access token, or robot name and secret.' },
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from /token.' },
      session: {
        type: 'apiKey',
        in: 'cookie',
        name: 'berth_session',
        description:
          'The web UI\'s session (POST /api/v1/session). Used only without an Authorization header; every request that is not GET or HEAD must also send X-CSRF-Token (the csrfToken of the session) and, if it sends Origin, this host\'s: else 403 DENIED.',
      },
    },
    responses: {
      BadRequest: { description: 'Malformed body or an invalid value (BAD_REQUEST, NAME_INVALID, TAG_INVALID, DIGEST_INVALID, SIZE_INVALID).', content: json(ref('Error')) },
      Unauthorized: { description: 'No or wrong credentials (UNAUTHORIZED); 429 TOOMANYREQUESTS after repeated failures.', content: json(ref('Error')) },
      Denied: { description: 'The caller may not do this (DENIED).', content: json(ref('Error')) },
      NotFound: {
        description: 'No such user, project, member, robot, token or restorable tag (NOT_FOUND); no such repository (NAME_UNKNOWN) or manifest (MANIFEST_UNKNOWN).',
        content: json(ref('Error')),
      },
      Conflict: {
        description: 'The name is taken, the change would leave no admin, another garbage collection is running, or a restored tag exists again (CONFLICT).',
        content: json(ref('Error')),
      },
      Unsupported: { description: 'Deletes are disabled on this registry (UNSUPPORTED).', content: json(ref('Error')) },
    },
    schemas,
  },
} as const;
