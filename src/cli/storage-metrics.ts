/**
 * Storage metrics for /metrics: usage per project and repository, quotas, and the progress of
 * a collection in this process. Project usage and quotas are single-row reads, fresh at every
 * scrape. Repository usage is computed from the references (its cost is the registry's size),
 * so a scrape reuses a snapshot younger than USAGE_TTL_MS: Prometheus scrapes every 15–60 s,
 * and usage that is seconds old answers every question it is asked.
 */
import type { Composed } from '../compose/compose.js';
import type { Metrics, Sample } from '../http/ops/metrics.js';

const USAGE_TTL_MS = 30_000;

interface UsageSnapshot {
  at: number;
  repositories: Sample[];
}

export function registerStorageMetrics(metrics: Metrics, composed: Composed): void {
  const metadata = composed.registry.deps.metadata;
  let snapshot: Promise<UsageSnapshot> | undefined;
  const usage = (): Promise<UsageSnapshot> => {
    const now = Date.now();
    if (snapshot === undefined) snapshot = read(now);
    else {
      snapshot = snapshot.then((s) => (now - s.at < USAGE_TTL_MS ? s : read(now)), () => read(now));
    }
    return snapshot;
  };
  const read = async (at: number): Promise<UsageSnapshot> => {
    const repositories = await metadata.repositoryUsage();
    return { at, repositories: repositories.map((u) => ({ labels: { repository: u.repository }, value: u.blobBytes + u.manifestBytes })) };
  };
  metrics.family('berth_project_usage_bytes', 'Bytes a project holds: distinct referenced blobs plus manifests.', 'gauge', async () =>
    (await metadata.projectUsage()).map((u) => ({ labels: { project: u.project }, value: u.blobBytes + u.manifestBytes })),
  );
  metrics.family('berth_project_quota_bytes', 'Storage quota of each project that has one.', 'gauge', async () =>
    (await composed.policies.list()).flatMap((p) => (p.policy.quotaBytes === undefined ? [] : [{ labels: { project: p.project }, value: p.policy.quotaBytes }])),
  );
  metrics.family('berth_repository_usage_bytes', 'Bytes a repository holds: distinct referenced blobs plus manifests.', 'gauge', async () => (await usage()).repositories);

  const running = () => composed.lifecycle.runningHere();
  metrics.gauge('berth_gc_running', 'Whether a garbage collection is running in this server (1) or not (0).', () => (running() === undefined ? 0 : 1));
  metrics.family('berth_gc_progress', 'Items done and to do in the running collection, by phase.', 'gauge', async () => {
    const progress = running()?.progress;
    if (progress === undefined) return [];
    return [
      { labels: { phase: progress.phase, count: 'done' }, value: progress.done },
      { labels: { phase: progress.phase, count: 'total' }, value: progress.total },
    ];
  }, 'process');
  metrics.gauge('berth_gc_running_bytes_freed', 'Bytes the running collection has freed so far.', () => running()?.progress?.bytesFreed ?? 0);
}
