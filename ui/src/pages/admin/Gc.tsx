/**
 * /gc (system admins): garbage collection. The status (a collection running here or in another
 * process, one that was interrupted, the last one), a dry run showing what would be freed and what
 * is held back until when, and a real run whose progress is polled from GET /api/v1/gc while the
 * POST that runs it is still open.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api';
import { Bytes, EmptyState, ErrorBanner, Loading, PageHeader, RelativeTime, Table, formatBytes, useToast } from '../../components';
import type { GcReport, GcStatus, GcSummary, HeldGroup } from './types';
import { useConfirm } from './use-confirm';

const POLL_MS = 500;

export function Gc() {
  const [status, setStatus] = useState<GcStatus | null>(null);
  const [statusError, setStatusError] = useState<unknown>(undefined);
  const [report, setReport] = useState<GcReport | null>(null);
  const [runError, setRunError] = useState<unknown>(undefined);
  const [working, setWorking] = useState<'preview' | 'run' | null>(null);
  const [now, setNow] = useState(false);
  const toast = useToast();
  const confirm = useConfirm();
  const mounted = useRef(true);
  useEffect(() => () => void (mounted.current = false), []);

  const load = async () => {
    try {
      const next = await api.get<GcStatus>('/api/v1/gc');
      if (mounted.current) {
        setStatus(next);
        setStatusError(undefined);
      }
    } catch (error) {
      if (mounted.current) setStatusError(error);
    }
  };
  useEffect(() => void load(), []);

  // Poll while anything runs: ours (the POST is open), or one started elsewhere.
  const busy = working === 'run' || status?.running != null || status?.elsewhere != null;
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(() => void load(), working === 'run' ? POLL_MS : 2000);
    return () => clearInterval(timer);
  }, [busy, working]);

  const collect = async (dryRun: boolean) => {
    setWorking(dryRun ? 'preview' : 'run');
    setRunError(undefined);
    setReport(null);
    try {
      const result = await api.post<GcReport>('/api/v1/gc', { dryRun, ...(now ? { now: true } : {}) });
      if (!mounted.current) return;
      setReport(result);
      if (!dryRun) toast.notify(`Garbage collection freed ${formatBytes(result.bytesFreed)}`, 'success');
    } catch (error) {
      if (mounted.current) setRunError(error);
    } finally {
      if (mounted.current) {
        setWorking(null);
        void load();
      }
    }
  };

  const runNow = () =>
    confirm.ask({
      title: 'Collect garbage now?',
      body: now ? (
        <p>
          <strong>Deleted tags and repositories stop being restorable</strong> and what they held is freed at once. Pushes keep working meanwhile.
        </p>
      ) : (
        <p>Unreferenced content older than the grace period is deleted for good. Pushes and pulls keep working meanwhile.</p>
      ),
      confirmLabel: 'Collect garbage',
      action: async () => void collect(false),
    });

  return (
    <>
      <PageHeader title="Garbage collection">
        Frees the space of deleted tags, repositories and abandoned uploads, once nothing references them. Same as <code>berth gc</code>.
      </PageHeader>
      <section class="card section" aria-labelledby="gc-status-title">
        <h2 id="gc-status-title">Status</h2>
        {statusError ? <ErrorBanner error={statusError} title="The status could not be loaded" onRetry={load} /> : null}
        {!status && !statusError ? <Loading label="Loading the status…" /> : null}
        {status ? <StatusView status={status} ours={working === 'run'} /> : null}
      </section>

      <section class="card section" aria-labelledby="gc-run-title">
        <h2 id="gc-run-title">Collect</h2>
        <label class="check">
          <input type="checkbox" checked={now} onChange={(e) => setNow(e.currentTarget.checked)} disabled={working !== null} /> Free deleted content now
          <span class="muted"> — ends the restore window of every deleted tag and repository (like <code>berth gc --now</code>)</span>
        </label>
        <div class="button-row">
          <button type="button" class="button" disabled={working !== null || busy} onClick={() => void collect(true)}>
            {working === 'preview' ? 'Previewing…' : 'Preview (dry run)'}
          </button>
          <button type="button" class="button button-danger" disabled={working !== null || busy} onClick={runNow}>
            {working === 'run' ? 'Collecting…' : 'Collect garbage'}
          </button>
        </div>
        {busy && working === null ? <p class="muted">A collection is running; wait for it to finish.</p> : null}
        <ErrorBanner error={runError} title="The collection failed" />
        {report ? <ReportView report={report} /> : null}
      </section>
      {confirm.dialog}
    </>
  );
}

function StatusView({ status, ours }: { status: GcStatus; ours: boolean }) {
  const { running, elsewhere, interrupted, last } = status;
  return (
    <div class="stack">
      {running || ours ? (
        <div class="gc-running" role="status" aria-live="polite">
          <p>
            <strong>{running?.dryRun ? 'A dry run is running' : 'Collecting'}</strong>: phase <strong>{running?.phase ?? 'starting'}</strong>
            {running ? <> (started <RelativeTime value={running.startedAt} />)</> : null}
          </p>
          {running?.progress && running.progress.total > 0 ? (
            <>
              <progress class="gc-progress" aria-label="Collection progress" max={running.progress.total} value={running.progress.done} />
              <p class="muted small">
                {running.progress.done.toLocaleString()} of {running.progress.total.toLocaleString()} in {running.progress.phase}; {formatBytes(running.progress.bytesFreed)} freed so far
              </p>
            </>
          ) : (
            <progress class="gc-progress" aria-label="Collection progress" />
          )}
        </div>
      ) : null}
      {elsewhere ? (
        <p role="status">
          A collection is running in another process{elsewhere.host ? ` on ${elsewhere.host}` : ''}
          {elsewhere.pid ? ` (pid ${elsewhere.pid})` : ''}
          {elsewhere.startedAt ? <>, started <RelativeTime value={elsewhere.startedAt} /></> : null}.
        </p>
      ) : null}
      {interrupted ? (
        <div class="banner banner-warning">
          <div>
            <strong class="banner-title">A collection stopped without finishing</strong>
            <span>
              {interrupted.message}
              {interrupted.cleanedAt ? ' Its leftovers were cleaned up.' : ' Its leftovers are cleaned up by the next run.'}
            </span>
          </div>
        </div>
      ) : null}
      {last ? (
        <div>
          <h3>Last collection</h3>
          <SummaryView summary={last} />
        </div>
      ) : !running && !ours ? (
        <EmptyState title="No collection has run since the server started">Preview one below to see what it would free.</EmptyState>
      ) : null}
    </div>
  );
}

function SummaryView({ summary }: { summary: GcSummary }) {
  return (
    <>
      <dl class="facts">
        <div>
          <dt>{summary.dryRun ? 'Would free' : 'Freed'}</dt>
          <dd class="fact-big">
            <Bytes value={summary.bytesFreed} />
          </dd>
        </div>
        <div>
          <dt>Manifests</dt>
          <dd>{summary.manifestsRemoved.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Blobs</dt>
          <dd>{summary.blobsRemoved.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Repositories</dt>
          <dd>{summary.repositoriesRemoved.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>
            <RelativeTime value={summary.startedAt} />
          </dd>
        </div>
        <div>
          <dt>Took</dt>
          <dd>{summary.durationMs < 1000 ? `${summary.durationMs} ms` : `${(summary.durationMs / 1000).toFixed(1)} s`}</dd>
        </div>
      </dl>
      <Held summary={summary} />
      {summary.failures.length ? (
        <div class="banner banner-error" role="alert">
          <div>
            <strong class="banner-title">{summary.failures.length} blobs could not be deleted; the next run retries them.</strong>
            <ul>
              {summary.failures.slice(0, 10).map((f) => (
                <li key={f.digest}>
                  <code>{f.digest}</code>: {f.error}
                </li>
              ))}
            </ul>
          </div>
        </div>
      ) : null}
    </>
  );
}

function heldLine(label: string, group: HeldGroup) {
  if (group.blobs === 0 && group.manifests === 0 && group.tags === 0) return null;
  return (
    <li>
      {label}: <Bytes value={group.bytes} /> in {group.blobs.toLocaleString()} blobs and {group.manifests.toLocaleString()} manifests
      {group.tags ? `, ${group.tags} deleted tags` : ''}
      {group.releaseFrom ? (
        <>
          ; collectable from <RelativeTime value={group.releaseFrom} />
          {group.releaseUntil && group.releaseUntil !== group.releaseFrom ? <> to <RelativeTime value={group.releaseUntil} /></> : null}
        </>
      ) : null}
    </li>
  );
}

function Held({ summary }: { summary: GcSummary }) {
  const { held } = summary;
  const lines = [
    heldLine(`Within the grace period (${Math.round(held.graceSeconds / 3600)} h)`, held.grace),
    heldLine(`Restorable for now (${Math.round(held.restoreWindowSeconds / 86400)} days)`, held.restoreWindow),
  ].filter(Boolean);
  if (lines.length === 0 && held.freeableNow.bytes === 0) return null;
  return (
    <div class="held">
      <h4>Held back</h4>
      <ul>{lines}</ul>
      {held.freeableNow.bytes > 0 ? (
        <p class="muted small">
          "Free deleted content now" would free <Bytes value={held.freeableNow.bytes} /> more
          {held.freeableNow.tags ? `, ending the restore window of ${held.freeableNow.tags} deleted tags` : ''}.
        </p>
      ) : null}
    </div>
  );
}

function ReportView({ report }: { report: GcReport }) {
  return (
    <div class="gc-report" aria-live="polite">
      <h3>{report.dryRun ? 'Preview: what a collection would free' : 'Report'}</h3>
      <SummaryView summary={report} />
      <Table
        caption={report.dryRun ? 'Repositories that would lose content' : 'Repositories that lost content'}
        showCaption
        columns={[
          { key: 'repository', header: 'Repository', sortable: true, value: (r) => r.repository, render: (r) => r.repository },
          { key: 'manifests', header: 'Manifests', numeric: true, render: (r) => r.manifests.length.toLocaleString() },
          { key: 'blobs', header: 'Blobs', numeric: true, render: (r) => r.blobs.length.toLocaleString() },
          { key: 'bytes', header: 'Size', numeric: true, sortable: true, descendingFirst: true, value: (r) => r.bytes, render: (r) => <Bytes value={r.bytes} /> },
          { key: 'removed', header: 'Repository removed', render: (r) => (r.removed ? 'yes' : 'no') },
        ]}
        rows={report.repositories}
        rowKey={(r) => r.repository}
        empty={<EmptyState title="Nothing to collect">{report.dryRun ? 'Every manifest and blob is still referenced (or held back, above).' : 'Nothing was removed.'}</EmptyState>}
      />
      {report.blobs.length ? <p class="muted small">{report.blobs.length.toLocaleString()} blobs{report.dryRun ? ' would be' : ' were'} deleted from storage.</p> : null}
    </div>
  );
}

