/** The OpenAPI components of /api/v1: the wire shapes of api-json.ts and the request bodies. */

const time = { type: 'string', format: 'date-time' } as const;
const role = { type: 'string', enum: ['admin', 'maintainer', 'developer', 'guest'] } as const;
const visibility = { type: 'string', enum: ['public', 'private'] } as const;
const actions = { type: 'array', items: { type: 'string', enum: ['pull', 'push', 'delete'] }, minItems: 1, uniqueItems: true } as const;
const userName = { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{1,63}$', description: 'Not `anonymous` or `cli` (reserved).' } as const;
const password = { type: 'string', minLength: 8, description: 'At least 8 characters, at most 72 bytes of UTF-8.' } as const;
const expiresAt = { ...time, description: 'When it stops working; must be in the future. Give this or expiresIn, not both.' } as const;
const expiresIn = { type: 'string', pattern: '^([0-9]+[smhdwy])+$', examples: ['90d', '12h', '1y'], description: 'Lifetime from now.' } as const;

function object(properties: Record<string, unknown>, required: string[], description?: string) {
  return { type: 'object', properties, required, additionalProperties: false, ...(description ? { description } : {}) };
}

function ref(name: string) {
  return { $ref: `#/components/schemas/${name}` };
}

export const schemas = {
  Error: object(
    {
      errors: {
        type: 'array',
        items: object({ code: { type: 'string' }, message: { type: 'string' }, detail: {} }, ['code', 'message']),
      },
    },
    ['errors'],
    'The OCI error envelope; codes and statuses are listed in docs/errors.md.',
  ),
  User: object({ name: { type: 'string' }, systemAdmin: { type: 'boolean' }, disabled: { type: 'boolean' }, createdAt: time }, [
    'name',
    'systemAdmin',
    'disabled',
    'createdAt',
  ]),
  CreatedUser: {
    allOf: [ref('User'), { type: 'object', properties: { password: { type: 'string', description: 'Only when generated; shown this once.' } } }],
  },
  NewUser: object({ name: userName, password: { ...password, description: 'Generated and returned once when absent.' }, systemAdmin: { type: 'boolean', default: false } }, ['name']),
  UserChanges: object(
    {
      password,
      currentPassword: { type: 'string', description: 'Required when users who are not system admins change their own password.' },
      disabled: { type: 'boolean' },
      systemAdmin: { type: 'boolean' },
    },
    [],
    'Only system admins may change disabled and systemAdmin; the last enabled system admin cannot lose either.',
  ),
  Token: object(
    { id: { type: 'string' }, user: { type: 'string' }, name: { type: 'string' }, createdAt: time, expiresAt: time, lastUsedAt: time },
    ['id', 'user', 'name', 'createdAt'],
    'A personal access token. expiresAt and lastUsedAt are absent when it never expires or was never used.',
  ),
  CreatedToken: {
    allOf: [
      ref('Token'),
      { type: 'object', properties: { token: { type: 'string', pattern: '^bpat_', description: 'Use as the password of the user; shown this once.' } }, required: ['token'] },
    ],
  },
  NewToken: object({ name: { type: 'string', minLength: 1, maxLength: 64 }, expiresAt, expiresIn }, ['name']),
  Project: object(
    { name: { type: 'string' }, visibility, createdAt: time, role: { ...role, description: "The caller's role, when a member." } },
    ['name', 'visibility', 'createdAt'],
  ),
  NewProject: object({ name: { type: 'string', description: 'One repository-name component (no "/").' }, visibility: { ...visibility, default: 'private' } }, ['name']),
  ProjectChanges: object({ visibility }, ['visibility']),
  Member: object({ user: { type: 'string' }, role }, ['user', 'role']),
  MemberRole: object({ role }, ['role']),
  Robot: object(
    { name: { type: 'string', examples: ['robot$team+ci'] }, project: { type: 'string' }, actions, disabled: { type: 'boolean' }, createdAt: time, expiresAt: time },
    ['name', 'project', 'actions', 'disabled', 'createdAt'],
  ),
  CreatedRobot: {
    allOf: [ref('Robot'), { type: 'object', properties: { secret: { type: 'string', description: 'The password of the robot; shown this once.' } }, required: ['secret'] }],
  },
  NewRobot: object({ name: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' }, actions, expiresAt, expiresIn }, ['name', 'actions']),
  AuditEvent: object(
    {
      id: { type: 'integer' },
      time,
      actor: { type: 'string' },
      action: { type: 'string', examples: ['login', 'user.create', 'member.set'] },
      result: { type: 'string', enum: ['success', 'failure', 'denied'] },
      clientIp: { type: 'string' },
      repository: { type: 'string', description: 'The repository, or the project for project, member and robot events.' },
      reference: { type: 'string' },
      detail: { type: 'string' },
    },
    ['id', 'time', 'actor', 'action', 'result'],
  ),
  AuditPage: object({ events: { type: 'array', items: ref('AuditEvent') }, next: { type: 'integer', description: 'Pass as `before` for the next page; absent on the last.' } }, [
    'events',
  ]),
  Me: {
    oneOf: [
      object(
        {
          kind: { const: 'user' },
          name: { type: 'string' },
          systemAdmin: { type: 'boolean' },
          projects: { type: 'array', items: object({ project: { type: 'string' }, role }, ['project', 'role']) },
        },
        ['kind', 'name', 'systemAdmin', 'projects'],
      ),
      object({ kind: { const: 'robot' }, name: { type: 'string' }, project: { type: 'string' }, actions }, ['kind', 'name', 'project', 'actions']),
    ],
  },
} as const;
