/**
 * Berth's defaults, in one place so the loader, the docs and the tests agree.
 *
 * Two deliberate differences from registry:2 (documented in docs/configuration.md):
 * - deletion is enabled, because Berth's GC is online and retention needs DELETE to work;
 * - a stop signal waits up to 30 s for in-flight requests (Distribution's draintimeout
 *   defaults to 0, which cuts pushes off mid-upload).
 * The filesystem root is `./data` rather than `/var/lib/registry` so a first run needs no root.
 */
import { join } from 'node:path';
import type { LogLevel } from './config.js';

const HOUR = 3600;

export const DEFAULTS = Object.freeze({
  logLevel: 'info' as LogLevel,
  httpAddr: ':5000',
  drainTimeoutSeconds: 30,
  rootdirectory: './data',
  deleteEnabled: true,
  uploadPurgingEnabled: true,
  uploadPurgingAgeSeconds: 168 * HOUR,
  uploadPurgingIntervalSeconds: 24 * HOUR,
  sqliteFileName: 'berth.db',
  authService: 'berth',
  authIssuer: 'berth-token-service',
  // Public projects are public: anyone may pull them, as on Docker Hub and Harbor.
  anonymousPull: true,
  // Off by default: a project is a unit of ownership, created on purpose by an admin.
  createProjectsOnPush: false,
  tokenTtlSeconds: 300,
  auditRetentionSeconds: 90 * 24 * HOUR,
  // A typo-prone user never meets these; a guesser is slowed to a handful of tries an hour.
  loginFreeFailures: 10,
  loginMaxDelaySeconds: 15 * 60,
  loginPerAddress: 100,
  loginPerAccount: 100,
  loginWindowSeconds: 15 * 60,
  // Longer than any push takes between uploading a layer and putting the manifest naming it.
  gcGraceSeconds: HOUR,
  gcIntervalSeconds: 24 * HOUR,
  restoreWindowSeconds: 24 * HOUR,
});

/** The metadata database follows the blob root unless placed elsewhere explicitly. */
export function defaultSqlitePath(rootdirectory: string): string {
  return join(rootdirectory, DEFAULTS.sqliteFileName);
}
