/**
 * The parts of a manifest page: image config, layers (with the command that made each, like
 * `docker history`, and other repositories sharing it), history, referrers and the raw JSON.
 * Everything from the image is rendered as text: labels, commands and annotations are whatever
 * the pusher put there.
 */
import { Fragment } from 'preact';
import { Bytes, CopyButton, EmptyState, Table, formatDateTime } from '../../components';
import { Link } from '../../router';
import { Digest } from './Digest';
import { manifestHref, repositoryHref } from './paths';
import type { ManifestDetails } from './types';

type Config = NonNullable<ManifestDetails['config']>;

function words(list: string[] | null): string {
  return list && list.length ? JSON.stringify(list) : '';
}

function when(text: string | null): string {
  if (!text) return '—';
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : formatDateTime(date);
}

export function ConfigSection({ config, id, level = 2 }: { config: Config; id: string; level?: 2 | 3 }) {
  const [H, Sub] = level === 3 ? (['h3', 'h4'] as const) : (['h2', 'h3'] as const);
  const labels = Object.entries(config.labels);
  const rows: Array<[string, string]> = [
    ['Created', when(config.created)],
    ['Platform', `${config.os}/${config.architecture}`],
    ['Entrypoint', words(config.entrypoint)],
    ['Command', words(config.cmd)],
    ['Working directory', config.workingDir ?? ''],
    ['User', config.user ?? ''],
    ['Exposed ports', config.exposedPorts.join(', ')],
  ];
  return (
    <section class="section" aria-labelledby={`${id}-config`}>
      <H id={`${id}-config`}>Config</H>
      <div class="grid-2">
        <div class="card">
          <dl class="kv">
            {rows.map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd class={k === 'Entrypoint' || k === 'Command' ? 'mono' : undefined}>
                  {v || <span class="muted">—</span>}
                </dd>
              </Fragment>
            ))}
            <dt>Config digest</dt>
            <dd>
              <Digest digest={config.digest} />
            </dd>
          </dl>
        </div>
        <div class="card">
          <Sub>Environment</Sub>
          {config.env.length ? (
            <ul class="list-plain mono small env-list">
              {config.env.map((e, i) => (
                <li key={i}>{e}</li>
              ))}
            </ul>
          ) : (
            <p class="muted">No environment variables.</p>
          )}
        </div>
      </div>
      <Sub class="subheading">Labels</Sub>
      <Table
        caption="Labels"
        rows={labels}
        rowKey={([k]) => k}
        empty={<p class="muted">No labels.</p>}
        columns={[
          { key: 'key', header: 'Label', sortable: true, value: ([k]) => k, render: ([k]) => <span class="mono">{k}</span> },
          { key: 'value', header: 'Value', render: ([, v]) => <span class="pre-text">{v}</span> },
        ]}
      />
    </section>
  );
}

export function LayersSection({ detail, repository, id, level = 2 }: { detail: ManifestDetails; repository: string; id: string; level?: 2 | 3 }) {
  const H = level === 3 ? 'h3' : 'h2';
  const total = detail.layers.reduce((sum, l) => sum + l.size, 0);
  return (
    <section class="section" aria-labelledby={`${id}-layers`}>
      <div class="section-header">
        <H id={`${id}-layers`}>Layers</H>
        <span class="muted small">
          {detail.layers.length} {detail.layers.length === 1 ? 'layer' : 'layers'}, <Bytes value={total} /> compressed
        </span>
      </div>
      <div class="wide-table">
      <Table
        caption="Layers, base first"
        rows={detail.layers.map((l, i) => ({ ...l, index: i + 1 }))}
        rowKey={(l) => `${l.index}-${l.digest}`}
        empty={<p class="muted">This manifest has no layers.</p>}
        columns={[
          { key: 'index', header: '#', numeric: true, render: (l) => l.index },
          { key: 'createdBy', header: 'Created by', render: (l) => (l.createdBy ? <span class="created-by">{l.createdBy}</span> : <span class="muted">—</span>) },
          { key: 'size', header: 'Size', numeric: true, render: (l) => <Bytes value={l.size} /> },
          { key: 'digest', header: 'Digest', render: (l) => <Digest digest={l.digest} /> },
          {
            key: 'shared',
            header: 'Also in',
            render: (l) =>
              l.sharedWith.filter((r) => r !== repository).length ? (
                <ul class="list-plain small">
                  {l.sharedWith
                    .filter((r) => r !== repository)
                    .map((r) => (
                      <li key={r}>
                        <Link href={repositoryHref(r)}>{r}</Link>
                      </li>
                    ))}
                </ul>
              ) : (
                <span class="muted">—</span>
              ),
          },
        ]}
      />
      </div>
    </section>
  );
}

export function HistorySection({ detail, id, level = 2 }: { detail: ManifestDetails; id: string; level?: 2 | 3 }) {
  const H = level === 3 ? 'h3' : 'h2';
  if (detail.history.length === 0) return null;
  return (
    <section class="section" aria-labelledby={`${id}-history`}>
      <details>
        <summary>
          <H id={`${id}-history`} class="inline-heading">
            History <span class="badge">{detail.history.length}</span>
          </H>
        </summary>
        <Table
          caption="Image history, oldest first"
          rows={detail.history.map((h, i) => ({ ...h, index: i + 1 }))}
          rowKey={(h) => String(h.index)}
          columns={[
            { key: 'index', header: '#', numeric: true, render: (h) => h.index },
            { key: 'created', header: 'Created', render: (h) => when(h.created) },
            { key: 'createdBy', header: 'Created by', render: (h) => <span class="created-by">{h.createdBy ?? ''}</span> },
            { key: 'layer', header: 'Layer', render: (h) => (h.emptyLayer ? <span class="muted">none</span> : 'yes') },
            { key: 'comment', header: 'Comment', render: (h) => h.comment ?? '' },
          ]}
        />
      </details>
    </section>
  );
}

const kindLabel = { signature: 'Signature', sbom: 'SBOM', attestation: 'Attestation', other: 'Other' } as const;

export function ReferrersSection({ detail, repository, id }: { detail: ManifestDetails; repository: string; id: string }) {
  return (
    <section class="section" aria-labelledby={`${id}-referrers`}>
      <h2 id={`${id}-referrers`}>Referrers</h2>
      <Table
        caption="Artifacts that refer to this manifest"
        rows={detail.referrers}
        rowKey={(r) => r.digest}
        empty={<p class="muted">No signatures, SBOMs or other artifacts refer to this manifest.</p>}
        columns={[
          { key: 'kind', header: 'Kind', render: (r) => <span class={`badge${r.kind === 'other' ? '' : ' badge-success'}`}>{kindLabel[r.kind]}</span> },
          { key: 'type', header: 'Artifact type', render: (r) => <span class="mono small">{r.artifactType ?? r.mediaType}</span> },
          { key: 'digest', header: 'Digest', render: (r) => <Digest digest={r.digest} href={manifestHref(repository, r.digest)} /> },
          { key: 'size', header: 'Size', numeric: true, render: (r) => <Bytes value={r.size} /> },
          {
            key: 'annotations',
            header: 'Annotations',
            render: (r) => {
              const entries = Object.entries(r.annotations);
              return entries.length ? (
                <ul class="list-plain small">
                  {entries.map(([k, v]) => (
                    <li key={k}>
                      <span class="mono">{k}</span>: {v}
                    </li>
                  ))}
                </ul>
              ) : (
                <span class="muted">—</span>
              );
            },
          },
        ]}
      />
    </section>
  );
}

export function RawSection({ raw, id }: { raw: string; id: string }) {
  let shown = raw;
  try {
    shown = JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    // Not JSON (it should be): show it exactly as stored.
  }
  return (
    <section class="section" aria-labelledby={`${id}-raw`}>
      <div class="section-header">
        <h2 id={`${id}-raw`}>Raw manifest</h2>
        <CopyButton text={raw} label="Copy the manifest exactly as pushed" />
      </div>
      <pre class="raw" tabIndex={0} aria-label="Manifest JSON, formatted">
        {shown}
      </pre>
    </section>
  );
}

export function NoConfig() {
  return <EmptyState title="No image config">This is an index or an artifact without a runnable image config.</EmptyState>;
}
