/**
 * /audit (system admins): the audit log, newest first. Filters live in the URL (actor, action,
 * repository, since, until; result too, which is applied in the browser because the API does not
 * take it); paging follows the API's `next` cursor; export as JSON lines or CSV of every match.
 */
import { useState } from 'preact/hooks';
import { EmptyState, ErrorBanner, Field, Loading, PageHeader, Table, formatDateTime, type Column } from '../../components';
import { useQuery } from '../../router';
import { useApi } from '../../use-api';
import { download, fetchAllEvents, toCsv } from './audit-export';
import type { AuditEvent } from './types';
import { useAction } from './use-action';

const PAGE = 50;
const TEXT_FILTERS = [
  { key: 'actor', label: 'Actor', hint: 'Exact account name, anonymous or cli.' },
  { key: 'action', label: 'Action', hint: 'e.g. login, push, user.create, member.set.' },
  { key: 'repository', label: 'Repository or project', hint: 'Exact name.' },
] as const;

/** datetime-local value (local time, no zone) ⇄ the ISO instant the API takes. */
const toInstant = (local: string) => (local ? new Date(local).toISOString() : '');
function toLocal(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function Audit() {
  const [query, setQuery] = useQuery();
  const filters = {
    actor: query.get('actor') ?? '',
    action: query.get('action') ?? '',
    repository: query.get('repository') ?? '',
    since: query.get('since') ?? '',
    until: query.get('until') ?? '',
  };
  const result = query.get('result') ?? '';
  const before = query.get('before') ?? '';
  const [draft, setDraft] = useState({ ...filters, since: toLocal(filters.since), until: toLocal(filters.until), result });
  // Cursors of the pages before this one, for "Newer".
  const [trail, setTrail] = useState<string[]>([]);
  const page = useApi<{ events: AuditEvent[]; next?: number }>('/api/v1/audit', { ...filters, before, limit: PAGE });
  const exporting = useAction();

  const apply = (event: Event) => {
    event.preventDefault();
    setTrail([]);
    setQuery({ ...draft, since: toInstant(draft.since), until: toInstant(draft.until), before: null });
  };
  const clear = () => {
    setDraft({ actor: '', action: '', repository: '', since: '', until: '', result: '' });
    setTrail([]);
    setQuery({ actor: null, action: null, repository: null, since: null, until: null, result: null, before: null });
  };

  const exportAs = (format: 'csv' | 'jsonl') =>
    exporting.run(async () => {
      const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
      const events = await fetchAllEvents(params, result);
      const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '');
      if (format === 'csv') download(toCsv(events), `berth-audit-${stamp}.csv`, 'text/csv');
      else download(events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : ''), `berth-audit-${stamp}.jsonl`, 'application/x-ndjson');
      return true;
    });

  const rows = (page.data?.events ?? []).filter((e) => !result || e.result === result);
  const filtered = Object.values(filters).some(Boolean) || Boolean(result);
  const columns: Column<AuditEvent>[] = [
    { key: 'time', header: 'Time', render: (e) => <time dateTime={e.time}>{formatDateTime(new Date(e.time))}</time>, className: 'nowrap' },
    { key: 'actor', header: 'Actor', render: (e) => e.actor },
    { key: 'action', header: 'Action', render: (e) => <code>{e.action}</code> },
    {
      key: 'result',
      header: 'Result',
      render: (e) => (
        <span class={`badge ${e.result === 'success' ? 'badge-success' : 'badge-danger'}`}>
          {e.result}
          {e.count > 1 ? ` ×${e.count}` : ''}
        </span>
      ),
    },
    { key: 'repository', header: 'Repository', render: (e) => (e.repository ? <>{e.repository}{e.reference ? <span class="muted">:{e.reference}</span> : null}</> : <span class="muted">—</span>) },
    { key: 'detail', header: 'Detail', render: (e) => <span class="small">{e.detail ?? ''}</span> },
    { key: 'ip', header: 'Client', render: (e) => <span class="mono small">{e.clientIp ?? ''}</span> },
  ];

  return (
    <>
      <PageHeader
        title="Audit log"
        actions={
          <>
            <button type="button" class="button" disabled={exporting.busy} onClick={() => void exportAs('csv')}>
              Export CSV
            </button>
            <button type="button" class="button" disabled={exporting.busy} onClick={() => void exportAs('jsonl')}>
              Export JSON lines
            </button>
          </>
        }
      >
        Every sign-in, push, delete and change, newest first. Exports hold every event matching the filters.
      </PageHeader>
      <ErrorBanner error={exporting.error} title="The export failed" />
      <form class="card form section filters" onSubmit={apply} aria-label="Filter the audit log">
        <div class="filter-grid">
          {TEXT_FILTERS.map((f) => (
            <Field key={f.key} id={`audit-${f.key}`} label={f.label} hint={f.hint}>
              {(props) => (
                <input {...props} class="input" autoCapitalize="none" spellcheck={false} value={draft[f.key]} onInput={(e) => setDraft({ ...draft, [f.key]: e.currentTarget.value })} />
              )}
            </Field>
          ))}
          <Field id="audit-result" label="Result">
            {(props) => (
              <select {...props} class="input" value={draft.result} onChange={(e) => setDraft({ ...draft, result: e.currentTarget.value })}>
                <option value="">Any</option>
                <option value="success">success</option>
                <option value="failure">failure</option>
                <option value="denied">denied</option>
              </select>
            )}
          </Field>
          <Field id="audit-since" label="From">
            {(props) => <input {...props} class="input" type="datetime-local" value={draft.since} onInput={(e) => setDraft({ ...draft, since: e.currentTarget.value })} />}
          </Field>
          <Field id="audit-until" label="Until">
            {(props) => <input {...props} class="input" type="datetime-local" value={draft.until} onInput={(e) => setDraft({ ...draft, until: e.currentTarget.value })} />}
          </Field>
        </div>
        <div class="button-row">
          <button type="submit" class="button button-primary">
            Apply filters
          </button>
          {filtered ? (
            <button type="button" class="button" onClick={clear}>
              Clear filters
            </button>
          ) : null}
        </div>
      </form>
      {page.loading && !page.data ? (
        <Loading label="Loading events…" />
      ) : page.error ? (
        <ErrorBanner error={page.error} title="The audit log could not be loaded" onRetry={page.reload} />
      ) : (
        <>
          {result && page.data && rows.length < page.data.events.length ? (
            <p class="muted small">
              Showing the {result} events among {page.data.events.length} on this page.
            </p>
          ) : null}
          <Table
            caption="Audit events, newest first"
            columns={columns}
            rows={rows}
            rowKey={(e) => String(e.id)}
            empty={
              <EmptyState title={filtered ? 'No events match these filters' : 'No events yet'}>
                {filtered ? 'Loosen or clear the filters.' : 'Sign-ins, pushes and changes appear here as they happen.'}
              </EmptyState>
            }
          />
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              class="button button-small"
              disabled={trail.length === 0 && !before}
              onClick={() => {
                const previous = trail.slice(0, -1);
                setQuery({ before: trail[trail.length - 1] ?? null });
                setTrail(previous);
              }}
            >
              Newer
            </button>
            <button
              type="button"
              class="button button-small"
              disabled={page.data?.next === undefined}
              onClick={() => {
                setTrail([...trail, before]);
                setQuery({ before: page.data!.next! });
              }}
            >
              Older
            </button>
          </nav>
        </>
      )}
    </>
  );
}
