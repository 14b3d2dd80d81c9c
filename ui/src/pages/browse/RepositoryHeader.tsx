/**
 * A repository's heading: description (editable with push permission), star toggle, size and
 * tag count, and the exact pull commands with copy buttons.
 */
import { useState } from 'preact/hooks';
import { api, enc, messageOf } from '../../api';
import { Bytes, CopyButton, ErrorBanner, Field, RelativeTime, useToast } from '../../components';
import { useSession } from '../../session';
import type { RepositorySummary } from './types';

export function PullCommands({ summary }: { summary: RepositorySummary }) {
  if (summary.tagCount === 0) return null;
  return (
    <div>
      {(['docker', 'podman'] as const).map((tool) => (
        <div class="command" key={tool}>
          <span class="command-label">{tool}</span>
          <code>{summary.pullCommand[tool]}</code>
          <CopyButton text={summary.pullCommand[tool]} label={`Copy the ${tool} pull command`} />
        </div>
      ))}
    </div>
  );
}

export function StarButton({ summary, onChange }: { summary: RepositorySummary; onChange: (starred: boolean, stars: number) => void }) {
  const { user } = useSession();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  if (!user) {
    return (
      <span class="badge" title="Stars from signed-in users">
        <span aria-hidden="true">★ </span>
        {summary.stars} <span class="visually-hidden">stars</span>
      </span>
    );
  }
  const toggle = async () => {
    setBusy(true);
    const next = !summary.starred;
    try {
      await (next ? api.put(`/api/v1/repositories/${enc(summary.name)}/-/star`) : api.delete(`/api/v1/repositories/${enc(summary.name)}/-/star`));
      onChange(next, summary.stars + (next ? 1 : -1));
    } catch (error) {
      toast.notify(`Could not change the star: ${messageOf(error)}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" class="button star-button" aria-pressed={summary.starred} disabled={busy} onClick={toggle}>
      <span aria-hidden="true">{summary.starred ? '★' : '☆'}</span>
      {summary.starred ? 'Starred' : 'Star'}
      <span class="badge">{summary.stars}</span>
    </button>
  );
}

const sourceText: Record<string, string> = {
  annotation: 'from the image’s description annotation',
  label: 'from the image’s description label',
  edited: 'edited here',
};

export function Description({ summary, onSaved }: { summary: RepositorySummary; onSaved: (description: string, source: RepositorySummary['descriptionSource']) => void }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(summary.description);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const toast = useToast();

  const save = async (value: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const saved = await api.put<{ description: string; descriptionSource: RepositorySummary['descriptionSource'] }>(
        `/api/v1/repositories/${enc(summary.name)}/-/description`,
        { description: value },
      );
      onSaved(saved.description, saved.descriptionSource);
      setText(saved.description);
      setEditing(false);
      toast.notify(value ? 'Description saved' : 'Description reset to the image’s own', 'success');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  if (editing) {
    return (
      <form class="description-edit" onSubmit={(e) => { e.preventDefault(); void save(text.trim()); }}>
        <ErrorBanner error={error} />
        <Field id="description-input" label="Description" hint="At most 1000 characters. Leave it empty to use the description the image carries.">
          {(props) => <textarea {...props} class="input" maxLength={1000} value={text} onInput={(e) => setText(e.currentTarget.value)} />}
        </Field>
        <div class="page-actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save description'}
          </button>
          <button type="button" class="button" disabled={busy} onClick={() => { setEditing(false); setText(summary.description); setError(undefined); }}>
            Cancel
          </button>
          {summary.descriptionSource === 'edited' ? (
            <button type="button" class="button" disabled={busy} onClick={() => void save('')}>
              Use the image’s description
            </button>
          ) : null}
        </div>
      </form>
    );
  }
  return (
    <div>
      {summary.description ? (
        <p class="description">{summary.description}</p>
      ) : (
        <p class="muted">No description. {summary.canPush ? 'Add one, or push an image with an org.opencontainers.image.description annotation.' : ''}</p>
      )}
      <div class="meta">
        {summary.descriptionSource ? <span>Description {sourceText[summary.descriptionSource]}</span> : null}
        {summary.canPush ? (
          <button type="button" class="button button-small" onClick={() => setEditing(true)}>
            Edit description
          </button>
        ) : null}
      </div>
    </div>
  );
}

export function RepositoryFacts({ summary }: { summary: RepositorySummary }) {
  return (
    <div class="meta">
      <span>
        <strong>{summary.tagCount.toLocaleString()}</strong> {summary.tagCount === 1 ? 'tag' : 'tags'}
      </span>
      <span>
        <strong>
          <Bytes value={summary.bytes} />
        </strong>{' '}
        stored
      </span>
      <span>
        Last push <RelativeTime value={summary.lastPushedAt} />
      </span>
    </div>
  );
}
