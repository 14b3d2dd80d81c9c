/**
 * The messages between `berth serve --workers N`'s supervisor and its workers (node:cluster's
 * IPC channel). Every one carries `berth` so nothing else sent on the channel is mistaken for one.
 */
import type { MetricsSnapshot } from '../http/ops/metrics-snapshot.js';

/** How a worker is started: the first one alone sweeps and bootstraps (see compose options). */
export const ROLE_ENV = 'BERTH_SERVE_ROLE';
/** How many workers serve the data root, so each one composes for shared state. */
export const PROCESSES_ENV = 'BERTH_SERVE_PROCESSES';

export type WorkerMessage =
  | { berth: 'ready' }
  /** A scrape reached this worker: it asks for every other worker's numbers. */
  | { berth: 'metrics-ask'; id: number }
  /** This worker's numbers, for a scrape (`id`) or the periodic report (`id` 0). */
  | { berth: 'metrics-snapshot'; id: number; snapshot: MetricsSnapshot };

export type SupervisorMessage =
  | { berth: 'metrics-request'; id: number }
  | { berth: 'metrics-all'; id: number; snapshots: MetricsSnapshot[] };

export function isBerthMessage<T extends { berth: string }>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && typeof (message as { berth?: unknown }).berth === 'string';
}
