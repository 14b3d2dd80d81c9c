/**
 * `berth serve --workers N`: the supervisor process. It serves nothing itself; node:cluster
 * gives it the listening socket and it hands connections to N worker processes, each a whole
 * `berth serve` over the same data root (see docs/architecture-decisions.md, "Workers").
 *
 * - The first worker starts alone (it sweeps what a crash left and creates the admin, the
 *   signing key and the database schema); the others start once it serves, and never sweep.
 * - A worker that exits unexpectedly is replaced; more than RESTART_LIMIT exits within
 *   RESTART_WINDOW_MS is a crash loop, and the whole server stops with exit 1 and says so.
 * - SIGTERM or SIGINT is passed to every worker, which finishes its requests (http.draintimeout);
 *   the supervisor exits when the last one has, 1 if any was cut off.
 * - /metrics on any worker reports the whole server: the supervisor gathers every worker's
 *   numbers for it, plus the counts of workers that exited.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { countersOf, mergeSnapshots, type MetricsSnapshot } from '../http/ops/metrics-snapshot.js';
import { isBerthMessage, PROCESSES_ENV, ROLE_ENV, type SupervisorMessage, type WorkerMessage } from './worker-messages.js';

export const RESTART_LIMIT = 5;
export const RESTART_WINDOW_MS = 60_000;
const GATHER_TIMEOUT_MS = 2_000;

interface Gathering {
  asker: Worker;
  /** The id the asking worker gave its question; the others are asked with the supervisor's. */
  askerId: number;
  pending: Set<number>;
  snapshots: MetricsSnapshot[];
  timer: NodeJS.Timeout;
}

export async function superviseWorkers(count: number, drainTimeoutSeconds: number, logger: Logger): Promise<void> {
  // Round-robin in this process rather than the kernel's accept() race, which on Linux sends
  // most connections to one worker under load (Node's own default on Linux, stated for clarity).
  cluster.schedulingPolicy = cluster.SCHED_RR;
  const env = (role: 'first' | 'next') => ({ [ROLE_ENV]: role, [PROCESSES_ENV]: String(count) });
  const lastReport = new Map<number, MetricsSnapshot>();
  let retired: MetricsSnapshot | undefined;
  const gatherings = new Map<number, Gathering>();
  let nextGathering = 1;
  const restarts: number[] = [];
  let stopping = false;
  let failed = false;
  let started = false;
  let exitedDuringStart = false;

  const finishGathering = (id: number) => {
    const gathering = gatherings.get(id);
    if (gathering === undefined) return;
    gatherings.delete(id);
    clearTimeout(gathering.timer);
    const snapshots = retired === undefined ? gathering.snapshots : [...gathering.snapshots, retired];
    if (gathering.asker.isConnected()) gathering.asker.send({ berth: 'metrics-all', id: gathering.askerId, snapshots } satisfies SupervisorMessage);
  };

  const onMessage = (worker: Worker, message: unknown) => {
    if (!isBerthMessage<WorkerMessage>(message)) return;
    if (message.berth === 'metrics-ask') {
      const others = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w !== worker && w.isConnected());
      const id = nextGathering++;
      const gathering: Gathering = {
        asker: worker,
        askerId: message.id,
        pending: new Set(others.map((w) => w.id)),
        snapshots: [],
        timer: setTimeout(() => finishGathering(id), GATHER_TIMEOUT_MS),
      };
      gatherings.set(id, gathering);
      for (const other of others) other.send({ berth: 'metrics-request', id } satisfies SupervisorMessage);
      if (others.length === 0) finishGathering(id);
    } else if (message.berth === 'metrics-snapshot') {
      lastReport.set(worker.id, message.snapshot);
      const gathering = gatherings.get(message.id);
      if (gathering === undefined || !gathering.pending.delete(worker.id)) return;
      gathering.snapshots.push(message.snapshot);
      if (gathering.pending.size === 0) finishGathering(message.id);
    }
  };

  const fork = (role: 'first' | 'next'): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork(env(role));
      const onReady = (message: unknown) => {
        if (isBerthMessage<WorkerMessage>(message) && message.berth === 'ready') {
          worker.off('exit', onEarlyExit);
          resolve(worker);
        }
      };
      const onEarlyExit = (code: number | null, signal: string | null) => reject(Object.assign(new Error('worker exited before serving'), { code, signal }));
      worker.on('message', onReady);
      worker.once('exit', onEarlyExit);
      worker.on('message', (message: unknown) => onMessage(worker, message));
    });

  const stopAll = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason, workers: Object.keys(cluster.workers ?? {}).length }, 'stopping every worker; each finishes its requests');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    // Each worker keeps its own drain timeout; this only catches one that hangs past it.
    const force = setTimeout(() => {
      logger.warn('a worker outlived the drain timeout; killing it');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }, (drainTimeoutSeconds + 5) * 1000);
    force.unref();
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
  };
  process.once('SIGTERM', () => stopAll('SIGTERM'));
  process.once('SIGINT', () => stopAll('SIGINT'));

  cluster.on('exit', (worker, code, signal) => {
    const report = lastReport.get(worker.id);
    lastReport.delete(worker.id);
    if (report !== undefined) retired = mergeSnapshots(retired === undefined ? [countersOf(report)] : [retired, countersOf(report)]);
    for (const [id, gathering] of gatherings) if (gathering.pending.delete(worker.id) && gathering.pending.size === 0) finishGathering(id);
    if (stopping) {
      if (code !== 0) failed = true;
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info('stopped');
        process.exit(failed ? 1 : 0);
      }
      return;
    }
    // A start-up failure: reported once the others have started (below), never restarted.
    if (!started) {
      exitedDuringStart = true;
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while (restarts.length > 0 && restarts[0]! < now - RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length > RESTART_LIMIT) {
      logger.error(
        { exits: restarts.length, windowSeconds: RESTART_WINDOW_MS / 1000, code, signal },
        `workers keep exiting (${restarts.length} in ${RESTART_WINDOW_MS / 1000} s); stopping the server rather than restarting in a loop: see the errors above`,
      );
      failed = true;
      stopAll('crash loop');
      return;
    }
    logger.warn({ worker: worker.id, pid: worker.process.pid, code, signal }, 'a worker exited unexpectedly; starting another');
    fork('next').catch(() => undefined);
  });
  // The first worker starts alone: its start-up failure (a port in use, unreadable data) has
  // already been printed by it as one line, and ends the server with its exit code.
  try {
    await fork('first');
  } catch (error) {
    process.exit((error as { code?: number | null }).code ?? 1);
  }
  const rest = await Promise.allSettled(Array.from({ length: count - 1 }, () => fork('next')));
  started = true;
  if (exitedDuringStart || rest.some((r) => r.status === 'rejected')) {
    logger.error('a worker failed to start; stopping');
    failed = true;
    stopAll('start-up failure');
  } else {
    logger.info({ workers: count, pid: process.pid }, 'every worker is serving');
  }
}
