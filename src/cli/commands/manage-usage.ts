/**
 * The usage text of each management command (`berth user`, `berth project`, …), apart from its
 * code: `berth user --help` and the command list answer from here, and manage-command.ts imports
 * a command's module (and the database composition under it) only when it runs.
 */
import { SETTINGS } from '../../core/access/runtime-settings.js';
import { WEBHOOK_EVENT_TYPES } from '../../core/webhooks/webhook-event.js';

const keyWidth = Math.max(...SETTINGS.map((s) => s.key.length)) + 2;

export const auditUsage = `Usage:
  berth audit [--actor A] [--action X] [--repository R] [--since ISO] [--until ISO]
              [--limit N] [--json]
        show audit events, newest first (100 unless --limit); --json prints JSON lines,
        every matching event unless --limit is given. "failure ×12" is one event standing
        for 12 equal failed or refused attempts (counted per 10 minutes)
  berth audit prune [--older-than 90d]
        delete events older than the duration (default: auth.builtin.auditretention)
Every command takes --config FILE, as berth serve does.`;

export const policyUsage = `Usage:
  berth policy set PROJECT [--write allow-redeploy|disallow-redeploy|read-only]
                           [--immutable 'v*,release-*']
                                                    change what pushes and deletes may do in
                                                    PROJECT; an option left out keeps its value
                                                    (--immutable '' clears the patterns)
  berth policy show PROJECT                         show the project's policy: write policy,
                                                    immutable tags, quota and retention rules
Patterns are globs over tag names: * any run of characters, ? exactly one.
Quotas are set with berth quota, retention rules with berth retention.
Every command takes --config FILE, as berth serve does.`;

export const projectUsage = `Usage:
  berth project add NAME [--public]                 create a project (private unless --public)
  berth project create NAME [--public] [--proxy URL [--username U --password-stdin]
                       [--ttl 24h] [--ca PEM-FILE] [--skip-verify] [--no-check]]
                                                    create a project; with --proxy, a pull-through
                                                    cache of that registry (pinged first unless
                                                    --no-check), e.g. --proxy https://registry-1.docker.io
  berth project create NAME --group M1,M2 [--push-to M1] [--public]
                                                    a group: NAME/x/y pulls x/y from each member
                                                    in order; pushes go to the --push-to member
  berth project group NAME [--members M1,M2] [--push-to M | --no-push-to]
                                                    change a group's members or push member
  berth project mirror NAME HOST|none               serve pulls of names that are no project here
                                                    (docker.io's registry-mirrors) and ?ns=HOST
  berth project proxy NAME [--url URL] [--username U] [--password-stdin] [--no-password]
                       [--ttl 1h] [--ca PEM-FILE] [--no-ca] [--skip-verify true|false] [--no-check]
                                                    change a proxy project's upstream
  berth project list                                list projects
  berth project visibility NAME public|private      change who may pull
  berth project member add PROJECT USER ROLE        add or change a member (admin, maintainer,
                                                    developer, guest)
  berth project member rm PROJECT USER              remove a member
  berth project member list PROJECT                 list members
Every command takes --config FILE, as berth serve does.`;

export const quotaUsage = `Usage:
  berth quota set PROJECT SIZE|none                 limit what PROJECT may hold, e.g. 10GiB,
                                                    500MiB, 2048 (bytes); none removes the limit
  berth quota show PROJECT                          show the quota and what the project uses
Sizes are binary: K, M, G, T (with or without iB/B) are powers of 1024. Usage counts each
blob once per project however many repositories share it, plus the manifests. A push that
would take the project past its quota is refused; what is already stored stays.
Every command takes --config FILE, as berth serve does.`;

export const retentionUsage = `Usage:
  berth retention set PROJECT RULE...               replace the project's rules with these
  berth retention set PROJECT --clear               remove every rule
  berth retention show PROJECT                      list the rules, in order
  berth retention run PROJECT [--dry-run] [--json]  apply the rules now, listing what each
                                                    removes; --dry-run removes nothing and
                                                    lists exactly what a run would remove
Rules (each optionally followed by @REPOSITORY-GLOB, e.g. keep-newest=5@team/ci-*):
  keep-newest=N             remove tags beyond the N most recently pushed
  keep-matching=GLOB        protect matching tags from every other rule (quote it: 'v*')
  untagged-older-than=DAYS  remove untagged manifests created more than DAYS ago
  not-pulled-for=DAYS       remove tags neither pulled nor pushed for DAYS
Tags matching the project's immutable patterns are never removed. A removed tag can be
brought back with berth restore REPO:TAG within the restore window; an untagged manifest
removed by retention cannot. Pull times reach the database up to 10 s after the pull.
Every command takes --config FILE, as berth serve does.`;

export const robotUsage = `Usage:
  berth robot add PROJECT NAME --actions pull[,push][,delete] [--expires 30d]
                                       create robot$PROJECT+NAME; its secret is shown once
  berth robot rm FULLNAME              delete a robot account (e.g. 'robot$team+ci')
  berth robot list [PROJECT]           list robot accounts (of one project)
Every command takes --config FILE, as berth serve does.`;

export const settingsUsage = `Usage:
  berth settings show [--json]      each setting: the value in force and where it comes from
  berth settings set KEY true|false store a value; it wins over the config file and a running
                                    server applies it within a few seconds
  berth settings reset KEY          forget the stored value: the config applies again
Settings:
${SETTINGS.map((s) => `  ${s.key.padEnd(keyWidth)}${s.description}`).join('\n')}
A value set here or through the API (PATCH /api/v1/settings) is kept in the database and wins
over the config file and REGISTRY_* environment until it is reset; a setting never set follows
the config. They apply with auth: builtin. Changes are audited (settings.set, settings.reset).
Every command takes --config FILE, as berth serve does.`;

export const tokenUsage = `Usage:
  berth token add USER NAME [--expires 90d]   create a token for USER; it is shown once
  berth token list USER                       list USER's tokens
  berth token rm ID                           revoke a token (and the refresh tokens made with it)
  berth token refresh-list ACCOUNT            list the refresh tokens (docker login sessions) of a
                                              user or robot (robot$PROJECT+NAME), revoked ones too
  berth token refresh-rm ID                   revoke one refresh token: that login must sign in again
Refresh tokens also end when the password, token or robot secret they were obtained with
changes or is revoked, and when the account is disabled or deleted.
Every command takes --config FILE, as berth serve does.`;

export const usageUsage = `Usage:
  berth usage [--json]                              every project holding content or with a
                                                    quota: used, quota, % used, manifests, blobs
  berth usage PROJECT [--json]                      the project's total and each repository's
Sizes count each blob once per project (repositories sharing a layer share its bytes) plus
the manifests; a repository's figure counts what it references, so repositories can add up
to more than their project. Deleted tags hold their content until the restore window ends
and a collection runs. --json prints the numbers in bytes, for scripts.
Every command takes --config FILE, as berth serve does.`;

export const userUsage = `Usage:
  berth user add NAME [--admin] [--password-stdin]
                                  create a user; the password is read from stdin with
                                  --password-stdin, else generated and shown once
  berth user passwd NAME [--password-stdin]
                                  set a new password (generated and shown once unless given)
  berth user rm NAME              delete a user, their memberships and tokens
  berth user list                 list users
  berth user disable NAME         stop a user's access (tokens included) until enabled
  berth user enable NAME
Every command takes --config FILE, as berth serve does.`;

export const webhookUsage = `Usage:
  berth webhook add PROJECT URL [--events E1,E2] [--secret-file F]
                                       send the project's events to URL, signed with the
                                       secret in F (else one is generated and shown once)
  berth webhook list PROJECT [--json]  the project's webhooks (never their secrets)
  berth webhook rm PROJECT ID          remove a webhook and the events waiting for it
  berth webhook deliveries PROJECT ID [--limit N] [--json]
                                       events waiting, and the latest delivery attempts
Events: ${WEBHOOK_EVENT_TYPES.join(', ')}; default all but PULL_ARTIFACT.
Every command takes --config FILE, as berth serve does.`;
