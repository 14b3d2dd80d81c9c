/** The management API's shapes the admin pages read (src/http/api/openapi-schemas.ts). */
import type { Role } from '../../session';

export type { Role };
export const ROLES: Role[] = ['guest', 'developer', 'maintainer', 'admin'];

export interface User {
  name: string;
  systemAdmin: boolean;
  disabled: boolean;
  createdAt: string;
}

export interface Token {
  id: string;
  user: string;
  name: string;
  createdAt: string;
  expiresAt?: string;
  lastUsedAt?: string;
}

export interface Project {
  name: string;
  visibility: 'public' | 'private';
  createdAt: string;
  role?: Role;
  kind?: 'hosted' | 'proxy' | 'group';
  /** Never a password: `hasPassword` says whether one is stored. */
  proxy?: { url: string; upstream: string; username?: string; hasPassword: boolean; ttlSeconds: number };
  group?: { members: string[]; pushTo?: string };
}

export interface Member {
  user: string;
  role: Role;
}

export type RobotAction = 'pull' | 'push' | 'delete';
export interface Robot {
  name: string;
  project: string;
  actions: RobotAction[];
  disabled: boolean;
  createdAt: string;
  expiresAt?: string;
}

export type WritePolicy = 'allow-redeploy' | 'disallow-redeploy' | 'read-only';
export type RetentionRule =
  | { kind: 'keep-newest'; count: number; repositories?: string }
  | { kind: 'keep-matching'; pattern: string; repositories?: string }
  | { kind: 'untagged-older-than'; days: number; repositories?: string }
  | { kind: 'not-pulled-for'; days: number; repositories?: string };

export interface Policy {
  writePolicy: WritePolicy;
  immutableTags: string[];
  quotaBytes: number | null;
  retention: RetentionRule[];
}

export interface ProjectUsage {
  project: string;
  usedBytes: number;
  quotaBytes: number | null;
  usage: { blobs: number; blobBytes: number; manifests: number; manifestBytes: number };
  repositories: Array<{ repository: string; blobs: number; blobBytes: number; manifests: number; manifestBytes: number }>;
}

export interface RetentionRemoval {
  repository: string;
  tag: string | null;
  digest: string;
  rule: string;
}
export interface RetentionReport {
  project: string;
  dryRun: boolean;
  removed: RetentionRemoval[];
  skipped: RetentionRemoval[];
  rules: Array<{ rule: string; removes: number }>;
  repositories: number;
}

export interface HeldGroup {
  manifests: number;
  blobs: number;
  bytes: number;
  repositories: number;
  tags: number;
  releaseFrom: string | null;
  releaseUntil: string | null;
}
export interface GcSummary {
  dryRun: boolean;
  startedAt: string;
  cutoff: string;
  durationMs: number;
  manifestsRemoved: number;
  blobsRemoved: number;
  repositoriesRemoved: number;
  bytesFreed: number;
  examined: number;
  skipped: { manifests: number; blobs: number; repositories: number };
  failures: Array<{ digest: string; error: string }>;
  now: boolean;
  held: {
    grace: HeldGroup;
    restoreWindow: HeldGroup;
    freeableNow: { manifests: number; blobs: number; bytes: number; repositories: number; tags: number };
    graceSeconds: number;
    restoreWindowSeconds: number;
  };
}
export interface GcReport extends GcSummary {
  repositories: Array<{ repository: string; manifests: string[]; blobs: string[]; bytes: number; removed: boolean }>;
  blobs: Array<{ digest: string; size: number }>;
}
export interface GcStatus {
  running: {
    phase: string;
    startedAt: string;
    dryRun: boolean;
    progress: { phase: string; done: number; total: number; bytesFreed: number } | null;
  } | null;
  elsewhere: { pid: number | null; host: string | null; startedAt: string | null; heartbeatAt: string | null } | null;
  interrupted: {
    pid: number | null;
    host: string | null;
    startedAt: string | null;
    stoppedAt: string | null;
    cleanedAt: string | null;
    message: string;
  } | null;
  last: GcSummary | null;
}

export interface AuditEvent {
  id: number;
  time: string;
  actor: string;
  action: string;
  result: 'success' | 'failure' | 'denied';
  count: number;
  clientIp?: string;
  repository?: string;
  reference?: string;
  detail?: string;
}

export interface Setting {
  key: string;
  value: boolean;
  source: 'database' | 'config';
  configValue: boolean;
  description: string;
  updatedAt?: string;
  updatedBy?: string;
}

export interface SystemInfo {
  registryHost: string;
  anonymousPull: boolean;
  version: string;
}
