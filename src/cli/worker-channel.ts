/**
 * A worker's side of the supervisor link: says when it serves, answers the supervisor's
 * requests for its metrics, reports them every few seconds (so a worker that dies leaves its
 * counts to the server's totals), and asks for the others' when a scrape reaches it.
 */
import type { Metrics } from '../http/ops/metrics.js';
import type { MetricsSnapshot } from '../http/ops/metrics-snapshot.js';
import { isBerthMessage, type SupervisorMessage, type WorkerMessage } from './worker-messages.js';

const REPORT_MS = 5_000;
/** A scrape answers with what it has rather than wait on a stuck worker. */
const ASK_TIMEOUT_MS = 3_000;

export function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

export function linkWorkerMetrics(metrics: Metrics): () => void {
  let next = 1;
  const waiting = new Map<number, (snapshots: MetricsSnapshot[]) => void>();
  const onMessage = (message: unknown) => {
    if (!isBerthMessage<SupervisorMessage>(message)) return;
    if (message.berth === 'metrics-request') {
      void metrics.snapshot().then((snapshot) => send({ berth: 'metrics-snapshot', id: message.id, snapshot }));
    } else if (message.berth === 'metrics-all') {
      waiting.get(message.id)?.(message.snapshots);
      waiting.delete(message.id);
    }
  };
  process.on('message', onMessage);
  metrics.aggregate = (own) =>
    new Promise((resolve) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        resolve([own]);
      }, ASK_TIMEOUT_MS);
      waiting.set(id, (others) => {
        clearTimeout(timer);
        resolve([own, ...others]);
      });
      send({ berth: 'metrics-ask', id });
    });
  const report = setInterval(() => void metrics.snapshot().then((snapshot) => send({ berth: 'metrics-snapshot', id: 0, snapshot })), REPORT_MS);
  report.unref();
  return () => {
    clearInterval(report);
    process.off('message', onMessage);
    metrics.aggregate = undefined;
  };
}
