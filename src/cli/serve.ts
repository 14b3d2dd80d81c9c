/**
 * `berth serve`: check the files the config names, listen, say how to use it, serve until a
 * signal, then finish in-flight requests and exit. Anything that stops the start is one line
 * (startup-failure.ts), checked as early as it can be: the files before any data is touched.
 * With more than one worker (http.workers, --workers) this process supervises and each worker
 * runs serve-process.ts (worker-supervisor.ts); the supervisor itself never imports it.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { pino, type Logger } from 'pino';
import type { BerthConfig } from '../config/config.js';
import { referencedFileProblems } from '../config/file-probes.js';
import { StartupRefusal } from './startup-failure.js';
import { superviseWorkers } from './worker-supervisor.js';

/**
 * How many processes serve: `http.workers` (or --workers), where 0 means one per core but one,
 * at least one. The core left over is for what a registry's host also runs (the kernel's socket
 * and disk copies, clients pushing from the same machine, the database): on two cores, two
 * workers were slower than one on every bench row and doubled the memory (docs/architecture-decisions.md).
 */
export function workerCount(configured: number): number {
  return configured === 0 ? Math.max(1, availableParallelism() - 1) : configured;
}

export async function serve(config: BerthConfig, warnings: readonly string[], options: { workers?: number } = {}): Promise<void> {
  const workers = workerCount(options.workers ?? config.http.workers);
  const worker = cluster.isWorker ? cluster.worker : undefined;
  const logger: Logger = pino({ level: config.log.level, base: worker === undefined ? { service: 'berth' } : { service: 'berth', worker: worker.id } });
  // The supervisor (or a lone process) speaks for the config; its workers read the same one.
  if (worker === undefined) for (const warning of warnings) logger.warn({ config: true }, warning);
  const problem = referencedFileProblems(config)[0];
  if (problem !== undefined) throw new StartupRefusal(problem);
  if (worker === undefined && workers > 1) return superviseWorkers(workers, config.http.drainTimeoutSeconds, logger);
  const { serveProcess } = await import('./serve-process.js');
  await serveProcess(config, logger, workers);
}
