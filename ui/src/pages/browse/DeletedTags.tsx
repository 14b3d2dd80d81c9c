/** Tags deleted within the restore window (GET …/-/deleted-tags), each with a Restore button. */
import { useState } from 'preact/hooks';
import { api, enc, messageOf } from '../../api';
import { ErrorBanner, Loading, RelativeTime, Table, useToast } from '../../components';
import { useApi } from '../../use-api';
import { Digest } from './Digest';
import { manifestHref } from './paths';
import type { DeletedTag } from './types';
import { useChanged } from './use-changed';

export function DeletedTags({ repository, canRestore, generation, onRestored }: { repository: string; canRestore: boolean; generation: number; onRestored: () => void }) {
  const deleted = useApi<{ deletedTags: DeletedTag[] }>(`/api/v1/repositories/${enc(repository)}/-/deleted-tags`, undefined);
  useChanged(generation, deleted.reload);
  const [busy, setBusy] = useState<string | null>(null);
  const toast = useToast();
  const restore = async (tag: string) => {
    setBusy(tag);
    try {
      await api.post(`/api/v1/repositories/${enc(repository)}/-/tags/${enc(tag)}/restore`, {});
      toast.notify(`Restored ${tag}`, 'success');
      deleted.reload();
      onRestored();
    } catch (error) {
      toast.notify(`Could not restore ${tag}: ${messageOf(error)}`, 'error');
    } finally {
      setBusy(null);
    }
  };
  const rows = deleted.data?.deletedTags ?? [];
  return (
    <section class="section" aria-labelledby="deleted-heading">
      <details class="card" open={rows.length > 0 && rows.length <= 10}>
        <summary>
          <h2 id="deleted-heading" class="inline-heading">
            Deleted tags {deleted.data ? <span class="badge">{rows.length}</span> : null}
          </h2>
        </summary>
        <ErrorBanner error={deleted.error} onRetry={deleted.reload} />
        {!deleted.data ? (
          deleted.loading ? <Loading /> : null
        ) : rows.length === 0 ? (
          <p class="muted">No deleted tags. A deleted tag shows here while it can still be restored.</p>
        ) : (
          <Table
            caption={`Deleted tags of ${repository}`}
            rows={rows}
            rowKey={(d) => `${d.tag}@${d.deletedAt}`}
            columns={[
              { key: 'tag', header: 'Tag', render: (d) => <span class="mono">{d.tag}</span> },
              { key: 'digest', header: 'Digest', render: (d) => <Digest digest={d.digest} href={manifestHref(repository, d.digest)} /> },
              { key: 'deleted', header: 'Deleted', render: (d) => <RelativeTime value={d.deletedAt} /> },
              ...(canRestore
                ? [
                    {
                      key: 'restore',
                      header: <span class="visually-hidden">Actions</span>,
                      render: (d: DeletedTag) => (
                        <button type="button" class="button button-small" disabled={busy !== null} onClick={() => void restore(d.tag)} aria-label={`Restore ${d.tag}`}>
                          Restore
                        </button>
                      ),
                    },
                  ]
                : []),
            ]}
          />
        )}
      </details>
    </section>
  );
}
