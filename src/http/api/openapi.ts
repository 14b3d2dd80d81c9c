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

function op(summary: string, responses: Record<string, unknown>, extra: Operation = {}): Operation {
  return { summary, ...extra, responses: { ...responses, ...errors } };
}

function body(name: string) {
  return { requestBody: { required: true, content: json(ref(name)) } };
}

const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const userParam = pathParam('name', 'User name.');
const projectParam = pathParam('name', 'Project name.');
const queryParam = (name: string, schema: unknown, description: string) => ({ name, in: 'query', required: false, schema, description });

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Berth management API',
    version: '1',
    description:
      'Users, personal access tokens, projects, members, robot accounts and the audit log. Authenticate with HTTP Basic ' +
      '(a password, a personal access token `bpat_…`, or a robot secret) or with a Bearer token from /token. Bodies are ' +
      'JSON (`Content-Type: application/json` is required) and unknown fields are refused. Errors use the OCI envelope.',
  },
  servers: [{ url: '/' }],
  security: [{ basic: [] }, { bearer: [] }],
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
      delete: op('Revoke a personal access token', ok('Revoked.', undefined, '204')),
    },
    '/api/v1/projects': {
      get: op('Projects the caller can see', ok('Projects by name.', list('projects', 'Project'))),
      post: op(
        'Create a project (system admins; any user when projects are created on push); the creator becomes its admin',
        { ...ok('Created.', ref('Project'), '201'), ...withConflict },
        body('NewProject'),
      ),
    },
    '/api/v1/projects/{name}': {
      parameters: [projectParam],
      get: op('One project', ok('The project.', ref('Project'))),
      patch: op('Change visibility (project admins, system admins)', ok('The project after the change.', ref('Project')), body('ProjectChanges')),
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
    '/api/v1/openapi.json': {
      get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } },
    },
  },
  components: {
    securitySchemes: {
      basic: { type: 'http', scheme: 'basic', description: 'User and password or personal access token, or robot name and secret.' },
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from /token.' },
    },
    responses: {
      BadRequest: { description: 'Malformed body or an invalid value (BAD_REQUEST, NAME_INVALID, SIZE_INVALID).', content: json(ref('Error')) },
      Unauthorized: { description: 'No or wrong credentials (UNAUTHORIZED); 429 TOOMANYREQUESTS after repeated failures.', content: json(ref('Error')) },
      Denied: { description: 'The caller may not do this (DENIED).', content: json(ref('Error')) },
      NotFound: { description: 'No such user, project, member, robot or token (NOT_FOUND).', content: json(ref('Error')) },
      Conflict: { description: 'The name is taken, or the change would leave no admin (CONFLICT).', content: json(ref('Error')) },
    },
    schemas,
  },
} as const;
