/**
 * The wire shapes of /api/v1 (described in openapi.ts): times as RFC 3339 strings, absent
 * optional fields left out, and never a hash. Storage views say "none" with null rather than
 * leaving the field out (a quota of null, an untagged manifest's tag), so a client can tell
 * "no limit" from "not sent".
 */
import type { MemberRecord } from '../../ports/access-store.js';
import type { DeletedTag } from '../../ports/metadata-lifecycle.js';
import type { ProjectPolicy } from '../../ports/policy-store.js';
import type { ProjectView, RobotView, TokenView, UserView } from '../../core/access/admin-views.js';
import type { RefreshTokenView } from '../../core/access/refresh-token-admin.js';
import type { SettingView } from '../../core/access/settings-admin.js';
import type { GcReport, HeldBack, HeldGroup } from '../../core/lifecycle/gc-report.js';
import type { GcStatus } from '../../core/lifecycle/lifecycle.js';
import type { GcSummary } from '../../core/lifecycle/gc-summary.js';
import type { RetentionRemoval, RetentionReport } from '../../core/lifecycle/retention.js';
import type { ProjectUsageView } from '../../core/lifecycle/storage-admin.js';

type Json = Record<string, unknown>;

export function userJson(user: UserView): Json {
  return { name: user.name, systemAdmin: user.systemAdmin, disabled: user.disabled, createdAt: user.createdAt.toISOString() };
}

export function settingJson(setting: SettingView): Json {
  return {
    key: setting.key,
    value: setting.value,
    source: setting.source,
    configValue: setting.configValue,
    description: setting.description,
    updatedAt: setting.updatedAt?.toISOString(),
    updatedBy: setting.updatedBy,
  };
}

export function tokenJson(token: TokenView): Json {
  return {
    id: token.id,
    user: token.user,
    name: token.name,
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt?.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString(),
  };
}

export function refreshTokenJson(token: RefreshTokenView): Json {
  return {
    id: token.id,
    account: token.account,
    accountKind: token.accountKind,
    credentialKind: token.credentialKind,
    tokenId: token.tokenId,
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString(),
    revokedAt: token.revokedAt?.toISOString(),
  };
}

export function robotJson(robot: RobotView): Json {
  return {
    name: robot.name,
    project: robot.project,
    actions: robot.actions,
    disabled: robot.disabled,
    createdAt: robot.createdAt.toISOString(),
    expiresAt: robot.expiresAt?.toISOString(),
  };
}

export function projectJson(project: ProjectView): Json {
  return {
    name: project.name,
    visibility: project.visibility,
    createdAt: project.createdAt.toISOString(),
    role: project.role,
    kind: project.kind,
    ...(project.proxy === undefined ? {} : { proxy: { ...project.proxy } }),
    ...(project.group === undefined ? {} : { group: { ...project.group } }),
    ...(project.mirrorOf === undefined ? {} : { mirrorOf: [...project.mirrorOf] }),
  };
}

export function memberJson(member: MemberRecord): Json {
  return { user: member.user, role: member.role };
}

export function policyJson(policy: ProjectPolicy): Json {
  return {
    writePolicy: policy.writePolicy,
    immutableTags: [...policy.immutableTags],
    quotaBytes: policy.quotaBytes ?? null,
    retention: (policy.retention ?? []).map((rule) => ({ ...rule })),
  };
}

export function usageJson(view: ProjectUsageView | Omit<ProjectUsageView, 'repositories'>): Json {
  const { blobs, blobBytes, manifests, manifestBytes } = view.usage;
  return {
    project: view.project,
    usedBytes: view.usedBytes,
    quotaBytes: view.quotaBytes ?? null,
    usage: { blobs, blobBytes, manifests, manifestBytes },
    ...('repositories' in view ? { repositories: view.repositories.map((r) => ({ ...r })) } : {}),
  };
}

function removalJson(removal: RetentionRemoval): Json {
  return { repository: removal.repository, tag: removal.tag ?? null, digest: removal.digest, rule: removal.rule };
}

export function retentionJson(report: RetentionReport): Json {
  return {
    project: report.project,
    dryRun: report.dryRun,
    removed: report.removed.map(removalJson),
    skipped: report.skipped.map(removalJson),
    rules: report.rules.map((r) => ({ rule: r.rule, removes: r.removes })),
    repositories: report.repositories,
  };
}

/** A collection without its per-repository and per-blob lists (for status, which may be polled). */
export function gcSummaryJson(report: GcSummary): Json {
  return {
    dryRun: report.dryRun,
    startedAt: report.startedAt.toISOString(),
    cutoff: report.cutoff.toISOString(),
    durationMs: report.durationMs,
    manifestsRemoved: report.manifestsRemoved,
    blobsRemoved: report.blobsRemoved,
    repositoriesRemoved: report.repositoriesRemoved,
    bytesFreed: report.bytesFreed,
    examined: report.examined,
    skipped: { ...report.skipped },
    failures: report.failures.map((f) => ({ digest: f.digest, error: f.error })),
    now: report.purge,
    held: heldJson(report.held),
  };
}

function heldJson(held: HeldBack): Json {
  const group = (g: HeldGroup): Json => ({
    ...g,
    releaseFrom: g.releaseFrom?.toISOString() ?? null,
    releaseUntil: g.releaseUntil?.toISOString() ?? null,
  });
  return {
    grace: group(held.grace),
    restoreWindow: group(held.restoreWindow),
    freeableNow: { ...held.freeableNow },
    graceSeconds: held.graceMs / 1000,
    restoreWindowSeconds: held.restoreWindowMs / 1000,
  };
}

export function gcReportJson(report: GcReport): Json {
  return {
    ...gcSummaryJson(report),
    repositories: report.repositories.map((r) => ({ ...r })),
    blobs: report.blobs.map((b) => ({ digest: b.digest, size: b.size })),
  };
}

export function gcStatusJson(status: GcStatus): Json {
  const running = status.running;
  return {
    running:
      running === undefined
        ? null
        : {
            // The phase on its own too, so a progress display need not dig into `progress`.
            phase: running.progress?.phase ?? 'starting',
            startedAt: running.startedAt.toISOString(),
            dryRun: running.dryRun,
            progress: running.progress === undefined ? null : { ...running.progress },
          },
    elsewhere:
      status.elsewhere === undefined
        ? null
        : {
            pid: status.elsewhere.pid ?? null,
            host: status.elsewhere.host ?? null,
            startedAt: status.elsewhere.startedAt?.toISOString() ?? null,
            heartbeatAt: status.elsewhere.heartbeatAt?.toISOString() ?? null,
          },
    interrupted:
      status.interrupted === undefined
        ? null
        : {
            pid: status.interrupted.pid ?? null,
            host: status.interrupted.host ?? null,
            startedAt: status.interrupted.startedAt?.toISOString() ?? null,
            stoppedAt: status.interrupted.stoppedAt?.toISOString() ?? null,
            cleanedAt: status.interrupted.cleanedAt?.toISOString() ?? null,
            message: status.interrupted.message,
          },
    last: status.last === undefined ? null : gcSummaryJson(status.last),
  };
}

export function deletedTagJson(tag: DeletedTag): Json {
  return { tag: tag.tag, digest: tag.digest, deletedAt: tag.deletedAt.toISOString() };
}
