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
  // A browser left alone for half an hour signs out; a working day is the most one sign-in lasts.
  sessionIdleTimeoutSeconds: 30 * 60,
  sessionLifetimeSeconds: 12 * HOUR,
  // Several browsers and devices, without letting a script pile up sessions without end.
  sessionMaxPerUser: 20,
  uiEnabled: true,
  // Longer than any push takes between uploading a layer and putting the manifest naming it.
  gcGraceSeconds: HOUR,
  gcIntervalSeconds: 24 * HOUR,
  // Slow and stalled clients (see docs/configuration.md): a header block takes well under a
  // second from any real client; a body that moves no byte for a minute is dead (TCP's own
  // retransmission backoff stays far below that); 75 s keep-alive outlasts the 60 s idle
  // timeouts of common proxies, so the proxy closes first and never reuses a closed socket.
  headerTimeoutSeconds: 20,
  bodyIdleTimeoutSeconds: 60,
  keepAliveTimeoutSeconds: 75,
  // Each connection is one descriptor, and an upload holds a second (its staging file); 2000
  // connections need about 4,100 with the database and blobs being served, well inside the
  // limits service managers and container runtimes give (Node raises its soft limit to the hard
  // one). `berth serve` warns at start when the descriptor limit is too low for the cap.
  maxConnections: 2000,
  // One process per core (0): Node runs JavaScript on one core, and hashing, TLS and JSON on
  // the push path are CPU-bound; `1` opts out.
  workers: 0,
  restoreWindowSeconds: 24 * HOUR,
  // Far above a busy CI robot (docker pushes 3 layers at a time per push, buildkit a few more),
  // far below what fills memory or a directory: 15,000 sessions in 7 s was the flood seen.
  uploadsMaxPerAccount: 200,
  uploadsMaxPerProject: 1000,
  // A push never idles this long between chunks; a client that died mid-push has.
  uploadsReclaimAfterSeconds: 15 * 60,
  // PostgreSQL's default max_connections is 100: ten per instance leaves room for several
  // instances, `berth gc` and psql. A metadata statement takes milliseconds; half a minute
  // means something is stuck (a lock never released), and failing beats holding a request.
  databasePoolSize: 10,
  databaseStatementTimeoutSeconds: 30,
  databaseConnectTimeoutSeconds: 10,
  // registry:2 leaves these unset (no timeout, retry at once, 1 s backoff); a listener that
  // hangs must not hold the queue, and a dead one must not be hammered.
  notifyTimeoutSeconds: 5,
  notifyThreshold: 3,
  notifyBackoffSeconds: 1,
  // A dead endpoint keeps at most this many events (the oldest are dropped past it): with one
  // event ~1 KB, 100,000 is ~100 MB of database at worst, and days of pushes for most registries.
  notifyMaxEvents: 100_000,
  // Long enough to see what happened over a weekend.
  notifyLogRetentionSeconds: 7 * 24 * HOUR,
});

/** The metadata database follows the blob root unless placed elsewhere explicitly. */
export function defaultSqlitePath(rootdirectory: string): string {
  return join(rootdirectory, DEFAULTS.sqliteFileName);
}
