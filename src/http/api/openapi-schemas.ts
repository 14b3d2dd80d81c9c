/** The OpenAPI components of /api/v1: the wire shapes of api-json.ts and the request bodies. */
import { browseSchemas } from './openapi-browse-schemas.js';

const time = { type: 'string', format: 'date-time' } as const;
const role = { type: 'string', enum: ['admin', 'maintainer', 'developer', 'guest'] } as const;
const visibility = { type: 'string', enum: ['public', 'private'] } as const;
const actions = { type: 'array', items: { type: 'string', enum: ['pull', 'push', 'delete'] }, minItems: 1, uniqueItems: true } as const;
const webhookEvents = { type: 'array', items: { type: 'string', enum: ['PUSH_ARTIFACT', 'PULL_ARTIFACT', 'DELETE_ARTIFACT', 'QUOTA_EXCEED'] }, minItems: 1, uniqueItems: true } as const;
const userName = { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{1,63}$', description: 'Not `anonymous` or `cli` (reserved).' } as const;
const password = {
  type: 'string',
  minLength: 12,
  description: 'At least 12 characters, at most 72 bytes of UTF-8 (longer is refused, never cut), not only whitespace.',
} as const;
const expiresAt = { ...time, description: 'When it stops working; must be in the future. Give this or expiresIn, not both.' } as const;
const expiresIn = { type: 'string', pattern: '^([0-9]+[smhdwy])+$', examples: ['90d', '12h', '1y'], description: 'Lifetime from now.' } as const;

const writePolicy = {
  type: 'string',
  enum: ['allow-redeploy', 'disallow-redeploy', 'read-only'],
  description: 'allow-redeploy: tags move; disallow-redeploy: a pushed tag never points elsewhere; read-only: no pushes or deletes.',
} as const;
const tagGlob = { type: 'string', pattern: '^[\\w.\\-*?]{1,128}$', examples: ['v*', 'release-?'], description: 'A glob over tag names.' } as const;
const count = { type: 'integer', minimum: 0 } as const;
const orNull = (schema: object) => ({ oneOf: [{ type: 'null' }, schema] });
const bytes = { type: 'integer', minimum: 0, description: 'Bytes.' } as const;
const digest = { type: 'string', pattern: '^sha(256|512):[a-f0-9]+$' } as const;
const quotaBytes = { type: ['integer', 'null'], minimum: 1, description: 'The quota in bytes; null when the project has none.' } as const;
const repositoryGlob = {
  type: 'string',
  pattern: '^[a-z0-9._\\-/*?]{1,255}$',
  description: 'Only repositories whose full name matches this glob (`*` any run, `?` one character); all of the project when absent.',
} as const;
const days = { type: 'integer', minimum: 1, maximum: 36500 } as const;
const usageTotals = { blobs: count, blobBytes: bytes, manifests: count, manifestBytes: bytes } as const;
const usageKeys = ['blobs', 'blobBytes', 'manifests', 'manifestBytes'];

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
  RefreshToken: object(
    {
      id: { type: 'string' },
      account: { type: 'string' },
      accountKind: { type: 'string', enum: ['user', 'robot'] },
      credentialKind: {
        type: 'string',
        enum: ['password', 'pat', 'robot'],
        description: 'What it was obtained with; it dies when that password, token or secret changes or is revoked.',
      },
      tokenId: { type: 'string', description: 'The personal access token it was obtained with, when credentialKind is pat.' },
      createdAt: time,
      expiresAt: time,
      lastUsedAt: time,
      revokedAt: time,
    },
    ['id', 'account', 'accountKind', 'credentialKind', 'createdAt', 'expiresAt'],
    'A refresh token (from an OAuth2 offline login, POST /token access_type=offline; docker logins made by earlier versions of Berth hold one too). The token itself is never shown again.',
  ),
  NewToken: object({ name: { type: 'string', minLength: 1, maxLength: 64 }, expiresAt, expiresIn }, ['name']),
  Project: object(
    {
      name: { type: 'string' },
      visibility,
      createdAt: time,
      role: { ...role, description: "The caller's role, when a member." },
      kind: { enum: ['hosted', 'proxy', 'group'], description: 'hosted: pushed to; proxy: a pull-through cache of `proxy.url`; group: `group.members` under one name.' },
      proxy: ref('ProxyView'),
      group: ref('GroupSettings'),
      mirrorOf: { type: 'array', items: { type: 'string' }, description: 'Upstream hosts (docker.io, ghcr.io) whose unprefixed names and `?ns=` requests this project serves.' },
    },
    ['name', 'visibility', 'createdAt', 'kind'],
  ),
  ProxyView: object(
    {
      url: { type: 'string', examples: ['https://registry-1.docker.io'] },
      upstream: { type: 'string', examples: ['docker.io'] },
      username: { type: 'string', description: 'Shown to system admins only.' },
      hasPassword: { type: 'boolean', description: 'The password itself is never returned.' },
      ttlSeconds: { type: 'integer', description: 'How long a cached tag is served before a HEAD re-validates it.' },
      hasCa: { type: 'boolean' },
      skipVerify: { type: 'boolean' },
    },
    ['url', 'upstream', 'hasPassword', 'ttlSeconds', 'hasCa', 'skipVerify'],
    "A proxy project's upstream, as anyone who can see the project is told of it.",
  ),
  ProxySettings: object(
    {
      url: { type: 'string', description: 'The upstream registry: https://registry-1.docker.io (or docker.io), https://ghcr.io, http://host:5000. Required on create.' },
      username: { type: ['string', 'null'] },
      password: { type: ['string', 'null'], description: 'Stored encrypted (AES-256-GCM), never returned.' },
      ttl: { type: ['string', 'integer'], description: 'Seconds, or 90s, 30m, 1h, 7d; default 24h.', examples: ['1h'] },
      ca: { type: ['string', 'null'], description: 'PEM certificates trusted for this upstream, on top of the system ones.' },
      skipVerify: { type: 'boolean', description: "Accept any certificate from the upstream (digests are still checked)." },
      check: { type: 'boolean', default: true, description: 'false: save without pinging the upstream.' },
    },
    [],
    'A proxy project\'s upstream settings (system admins only). In a PATCH a field left out stays, null clears it.',
  ),
  GroupSettings: object(
    {
      members: { type: 'array', items: { type: 'string' }, description: 'Member projects (hosted or proxy), in the order a pull tries them. Required on create.' },
      pushTo: { type: ['string', 'null'], description: 'The hosted member pushes to the group go to; null: pushes refused.' },
    },
    [],
    'A group project: `all/library/nginx` is `library/nginx` in each member, first hit wins (system admins only).',
  ),
  NewProject: object(
    {
      name: { type: 'string', description: 'One repository-name component (no "/").' },
      visibility: { ...visibility, default: 'private' },
      proxy: ref('ProxySettings'),
      group: ref('GroupSettings'),
      mirrorOf: { type: 'string', description: 'Upstream host this (proxy or group) project mirrors, e.g. docker.io.' },
    },
    ['name'],
  ),
  ProjectChanges: object(
    { visibility, proxy: ref('ProxySettings'), group: ref('GroupSettings'), mirrorOf: { type: ['string', 'null'], description: 'null: mirrors no host.' } },
    [],
  ),
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
  Webhook: object(
    {
      id: { type: 'integer' },
      project: { type: 'string' },
      url: { type: 'string', format: 'uri' },
      events: webhookEvents,
      enabled: { type: 'boolean' },
      createdAt: time,
    },
    ['id', 'project', 'url', 'events', 'enabled', 'createdAt'],
  ),
  CreatedWebhook: {
    allOf: [ref('Webhook'), { type: 'object', properties: { secret: { type: 'string', description: 'The generated signing secret; shown this once.' } } }],
  },
  NewWebhook: object(
    {
      url: { type: 'string', format: 'uri', maxLength: 2048 },
      events: { ...webhookEvents, description: 'Default: all but PULL_ARTIFACT (a pull is one event per manifest GET).' },
      secret: { type: 'string', minLength: 16, maxLength: 512, description: 'Write-only; generated when absent.' },
      enabled: { type: 'boolean' },
    },
    ['url'],
  ),
  WebhookChanges: object(
    {
      url: { type: 'string', format: 'uri', maxLength: 2048 },
      events: webhookEvents,
      secret: { type: 'string', minLength: 16, maxLength: 512, description: 'Write-only.' },
      enabled: { type: 'boolean' },
    },
    [],
  ),
  WebhookDeliveries: object(
    {
      pending: { type: 'integer', description: 'Events waiting to be delivered.' },
      deliveries: {
        type: 'array',
        items: object(
          {
            at: time,
            status: { type: 'integer', description: 'The receiver\'s HTTP status; 0 when no answer came.' },
            latencyMs: { type: 'integer' },
            attempt: { type: 'integer', minimum: 1 },
            error: { type: 'string' },
          },
          ['at', 'status', 'latencyMs', 'attempt'],
        ),
      },
    },
    ['pending', 'deliveries'],
  ),
  AuditEvent: object(
    {
      id: { type: 'integer' },
      time,
      actor: { type: 'string' },
      action: { type: 'string', examples: ['login', 'user.create', 'member.set'] },
      result: { type: 'string', enum: ['success', 'failure', 'denied'] },
      count: { type: 'integer', minimum: 1, description: 'How many equal events this one stands for: failed and refused attempts are counted into one event per 10 minutes.' },
      clientIp: { type: 'string' },
      repository: { type: 'string', description: 'The repository, or the project for project, member and robot events.' },
      reference: { type: 'string' },
      detail: { type: 'string' },
    },
    ['id', 'time', 'actor', 'action', 'result', 'count'],
  ),
  Setting: object(
    {
      key: { type: 'string', enum: ['auth.builtin.anonymouspull', 'auth.builtin.createprojects'] },
      value: { type: 'boolean', description: 'The value in force.' },
      source: {
        type: 'string',
        enum: ['database', 'config'],
        description: 'database: set through the CLI or API, and wins over the config until reset; config: the config file, REGISTRY_* environment or default.',
      },
      configValue: { type: 'boolean', description: 'What the config says; in force again after a reset.' },
      description: { type: 'string' },
      updatedAt: { ...time, description: 'When it was set (source database only).' },
      updatedBy: { type: 'string', description: 'Who set it: an account, or cli (source database only).' },
    },
    ['key', 'value', 'source', 'configValue', 'description'],
  ),
  SearchResults: object(
    {
      num_results: { type: 'integer', description: 'Matches the caller may pull (of at most the first 10,000 matches).' },
      num_pages: { type: 'integer' },
      page: { type: 'integer' },
      page_size: { type: 'integer' },
      query: { type: 'string' },
      results: {
        type: 'array',
        items: object(
          {
            name: { type: 'string' },
            description: { type: 'string', description: 'The edited description, else the newest tagged push’s org.opencontainers.image.description annotation or config label; "" when none.' },
            star_count: { type: 'integer', minimum: 0, description: 'Stars of signed-in users (PUT /api/v1/repositories/{name}/-/star).' },
            is_official: { type: 'boolean' },
            is_automated: { type: 'boolean' },
          },
          ['name', 'description', 'star_count', 'is_official', 'is_automated'],
        ),
      },
    },
    ['num_results', 'num_pages', 'page', 'page_size', 'query', 'results'],
    "Docker Hub's /v1/search shape (what docker search reads).",
  ),
  SettingList: object({ settings: { type: 'array', items: ref('Setting') } }, ['settings']),
  SettingChanges: object(
    {
      'auth.builtin.anonymouspull': { type: ['boolean', 'null'], description: 'Anonymous callers may pull from public projects; null follows the config again.' },
      'auth.builtin.createprojects': {
        type: ['boolean', 'null'],
        description: 'A signed-in user pushing to a project that does not exist creates it; null follows the config again.',
      },
    },
    [],
    'One or more settings; all are checked before any is applied.',
  ),
  AuditPage: object({ events: { type: 'array', items: ref('AuditEvent') }, next: { type: 'integer', description: 'Pass as `before` for the next page; absent on the last.' } }, [
    'events',
  ]),
  SignIn: object({ username: { type: 'string' }, password: { type: 'string' } }, ['username', 'password']),
  Session: object(
    {
      user: ref('Me'),
      csrfToken: { type: 'string', description: 'Send as X-CSRF-Token on every request that is not GET or HEAD.' },
      idleTimeoutSeconds: { type: 'integer', minimum: 1, description: 'The session ends after this long without a request.' },
    },
    ['user', 'csrfToken', 'idleTimeoutSeconds'],
  ),
  SessionState: {
    oneOf: [
      object({ signedIn: { const: false } }, ['signedIn']),
      object(
        { signedIn: { const: true }, user: ref('Me'), csrfToken: { type: 'string' }, idleTimeoutSeconds: { type: 'integer', minimum: 1 } },
        ['signedIn', 'user', 'csrfToken', 'idleTimeoutSeconds'],
      ),
    ],
  },
  System: object(
    {
      registryHost: { type: 'string', examples: ['registry.example.com', 'localhost:5000'], description: "http.host's host[:port], else the request's Host." },
      anonymousPull: { type: 'boolean', description: 'Anonymous callers may pull public projects.' },
      version: { type: 'string' },
    },
    ['registryHost', 'anonymousPull', 'version'],
  ),
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
  RetentionRule: {
    oneOf: [
      object(
        { kind: { const: 'keep-newest' }, count: { type: 'integer', minimum: 1, maximum: 100000 }, repositories: repositoryGlob },
        ['kind', 'count'],
        'Remove tags beyond the `count` most recently pushed.',
      ),
      object(
        { kind: { const: 'keep-matching' }, pattern: tagGlob, repositories: repositoryGlob },
        ['kind', 'pattern'],
        'Protect tags matching `pattern` from every other rule; removes nothing itself.',
      ),
      object({ kind: { const: 'untagged-older-than' }, days, repositories: repositoryGlob }, ['kind', 'days'], 'Remove untagged manifests created more than `days` ago.'),
      object({ kind: { const: 'not-pulled-for' }, days, repositories: repositoryGlob }, ['kind', 'days'], 'Remove tags neither pulled nor pushed for `days`.'),
    ],
  },
  Policy: object(
    {
      writePolicy,
      immutableTags: { type: 'array', items: tagGlob },
      quotaBytes,
      retention: { type: 'array', items: ref('RetentionRule'), description: 'Applied in order; a tag several rules remove is counted under the first.' },
    },
    ['writePolicy', 'immutableTags', 'quotaBytes', 'retention'],
    'A project without a policy has allow-redeploy, no immutable tags, no quota and no rules.',
  ),
  PolicyChanges: {
    ...object(
      {
        writePolicy,
        immutableTags: { type: 'array', items: tagGlob, description: 'Replaces the list; [] clears it.' },
        quota: {
          oneOf: [
            { type: 'string', examples: ['10GiB', '500MiB', 'none'], description: 'A size (K, M, G, T, P are powers of 1024) or `none`.' },
            { type: 'integer', minimum: 1, description: 'Bytes.' },
            { type: 'null', description: 'Remove the quota.' },
          ],
          description: 'System admins only.',
        },
        retention: { type: 'array', items: ref('RetentionRule'), description: 'Replaces the rules; [] clears them.' },
      },
      [],
      'What is left out keeps its value. writePolicy, immutableTags and retention need a project admin; quota a system admin.',
    ),
    minProperties: 1,
  },
  Usage: object(usageTotals, usageKeys, 'Distinct blobs referenced by manifests (a layer shared by repositories counts once) and the manifests themselves.'),
  RepositoryUsage: object({ repository: { type: 'string' }, ...usageTotals }, ['repository', ...usageKeys]),
  ProjectUsageSummary: object({ project: { type: 'string' }, usedBytes: bytes, quotaBytes, usage: ref('Usage') }, ['project', 'usedBytes', 'quotaBytes', 'usage']),
  ProjectUsage: object(
    { project: { type: 'string' }, usedBytes: bytes, quotaBytes, usage: ref('Usage'), repositories: { type: 'array', items: ref('RepositoryUsage') } },
    ['project', 'usedBytes', 'quotaBytes', 'usage', 'repositories'],
    'usedBytes = blobBytes + manifestBytes, what the quota is checked against.',
  ),
  RetentionRun: object({ dryRun: { type: 'boolean', default: false, description: 'List what would be removed; remove nothing.' } }, []),
  RetentionRemoval: object(
    {
      repository: { type: 'string' },
      tag: { type: ['string', 'null'], description: 'null for an untagged manifest.' },
      digest,
      rule: { type: 'string', examples: ['keep-newest 10'] },
    },
    ['repository', 'tag', 'digest', 'rule'],
  ),
  RetentionReport: object(
    {
      project: { type: 'string' },
      dryRun: { type: 'boolean' },
      removed: { type: 'array', items: ref('RetentionRemoval'), description: 'Removed (restorable, as a tag delete), or in a dry run what would be.' },
      skipped: { type: 'array', items: ref('RetentionRemoval'), description: 'Planned removals not made because a push changed them meanwhile.' },
      rules: { type: 'array', items: object({ rule: { type: 'string' }, removes: count }, ['rule', 'removes']) },
      repositories: { ...count, description: 'Repositories examined.' },
    },
    ['project', 'dryRun', 'removed', 'skipped', 'rules', 'repositories'],
  ),
  GcRun: object(
    {
      dryRun: { type: 'boolean', default: false, description: 'Report what would be removed; remove nothing.' },
      grace: { type: 'number', minimum: 0, description: 'Grace period in seconds, instead of the configured one.' },
      full: { type: 'boolean', default: false, description: 'Examine the whole registry, not only recorded candidates (costs the registry’s size).' },
      now: {
        type: 'boolean',
        default: false,
        description:
          'Free it now (`berth gc --now`): end the restore window of every deleted tag and repository (audited; they can no longer be restored) and collect what was deleted without the grace period. Content a push may still build on (uploaded, linked or pushed untagged within the grace and not referenced since) keeps the grace; tagged content and what it references never goes. With dryRun: what it would remove.',
      },
    },
    [],
  ),
  GcHeldGroup: object(
    {
      manifests: count,
      blobs: count,
      bytes: { ...bytes, description: 'Bytes of those blobs on disk.' },
      repositories: count,
      tags: { ...count, description: 'Restorable deleted tags keeping it (restore window only).' },
      releaseFrom: { ...orNull(time), description: 'When the first of it becomes collectable; null when nothing is held.' },
      releaseUntil: { ...orNull(time), description: 'When the last of it becomes collectable; null when nothing is held.' },
    },
    ['manifests', 'blobs', 'bytes', 'repositories', 'tags', 'releaseFrom', 'releaseUntil'],
  ),
  GcHeld: object(
    {
      grace: { ...ref('GcHeldGroup'), description: 'Unreferenced, untagged, uploaded or linked more recently than the grace period.' },
      restoreWindow: { ...ref('GcHeldGroup'), description: 'Kept by deleted tags and repositories that can still be restored.' },
      freeableNow: {
        ...object({ manifests: count, blobs: count, bytes, repositories: count, tags: count }, ['manifests', 'blobs', 'bytes', 'repositories', 'tags']),
        description: 'What `now: true` would collect at once (zeros in a `now` run); tags: deleted tags that would stop being restorable.',
      },
      graceSeconds: { type: 'number' },
      restoreWindowSeconds: { type: 'number' },
    },
    ['grace', 'restoreWindow', 'freeableNow', 'graceSeconds', 'restoreWindowSeconds'],
    'What the collection left for later, why and until when.',
  ),
  GcSummary: object(
    {
      dryRun: { type: 'boolean' },
      startedAt: time,
      cutoff: { ...time, description: 'Only what became unreferenced before this was eligible.' },
      durationMs: count,
      manifestsRemoved: count,
      blobsRemoved: count,
      repositoriesRemoved: count,
      bytesFreed: bytes,
      examined: count,
      skipped: object(
        { manifests: count, blobs: count, repositories: count },
        ['manifests', 'blobs', 'repositories'],
        'Removals skipped because a push gave the item a use meanwhile.',
      ),
      failures: {
        type: 'array',
        items: object({ digest, error: { type: 'string' } }, ['digest', 'error']),
        description: 'Blobs whose bytes could not be deleted; the next run retries.',
      },
      now: { type: 'boolean', description: 'A `now` run.' },
      held: ref('GcHeld'),
    },
    ['dryRun', 'startedAt', 'cutoff', 'durationMs', 'manifestsRemoved', 'blobsRemoved', 'repositoriesRemoved', 'bytesFreed', 'examined', 'skipped', 'failures', 'now', 'held'],
  ),
  GcReport: {
    allOf: [
      ref('GcSummary'),
      {
        type: 'object',
        properties: {
          repositories: {
            type: 'array',
            items: object(
              { repository: { type: 'string' }, manifests: { type: 'array', items: digest }, blobs: { type: 'array', items: digest }, bytes, removed: { type: 'boolean' } },
              ['repository', 'manifests', 'blobs', 'bytes', 'removed'],
            ),
            description: 'Repositories that lost anything, by name.',
          },
          blobs: { type: 'array', items: object({ digest, size: bytes }, ['digest', 'size']), description: 'Blobs whose bytes were (or would be) deleted.' },
        },
        required: ['repositories', 'blobs'],
      },
    ],
  },
  GcStatus: object(
    {
      running: {
        oneOf: [
          { type: 'null' },
          object(
            {
              phase: { type: 'string', enum: ['starting', 'recover', 'mark', 'manifests', 'repositories', 'blobs', 'done'], description: 'The phase running now.' },
              startedAt: time,
              dryRun: { type: 'boolean' },
              progress: {
                oneOf: [
                  { type: 'null' },
                  object(
                    { phase: { type: 'string', enum: ['recover', 'mark', 'manifests', 'repositories', 'blobs', 'done'] }, done: count, total: count, bytesFreed: bytes },
                    ['phase', 'done', 'total', 'bytesFreed'],
                  ),
                ],
              },
            },
            ['phase', 'startedAt', 'dryRun', 'progress'],
          ),
        ],
        description: 'A collection running in this server process.',
      },
      elsewhere: {
        oneOf: [
          { type: 'null' },
          object(
            { pid: orNull({ type: 'integer' }), host: orNull({ type: 'string' }), startedAt: orNull(time), heartbeatAt: orNull(time) },
            ['pid', 'host', 'startedAt', 'heartbeatAt'],
          ),
        ],
        description: 'A live collection in another process (a `berth gc`, another instance), from the collector lease.',
      },
      interrupted: {
        oneOf: [
          { type: 'null' },
          object(
            {
              pid: orNull({ type: 'integer' }),
              host: orNull({ type: 'string' }),
              startedAt: orNull(time),
              stoppedAt: { ...orNull(time), description: 'Its last heartbeat.' },
              cleanedAt: { ...orNull(time), description: 'When its leftovers were settled; null while that is still to do.' },
              message: { type: 'string' },
            },
            ['pid', 'host', 'startedAt', 'stoppedAt', 'cleanedAt', 'message'],
          ),
        ],
        description: 'The last collection found stopped without finishing (killed, crashed), and whether its leftovers are cleaned up.',
      },
      last: { oneOf: [{ type: 'null' }, ref('GcSummary')], description: 'The last real (not dry) collection, run by any instance or `berth gc`.' },
    },
    ['running', 'elsewhere', 'interrupted', 'last'],
  ),
  DeletedTag: object({ tag: { type: 'string' }, digest, deletedAt: time }, ['tag', 'digest', 'deletedAt']),
  RepositoryDeleted: object({ tags: { ...count, description: 'Tags deleted (each restorable within the restore window).' } }, ['tags']),
  Restored: object({ digest }, ['digest']),
  Empty: object({}, [], 'An empty JSON object: the Content-Type is what is required (see the API description).'),
  ...browseSchemas(),
} as const;
