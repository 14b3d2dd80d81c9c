/**
 * The retention rules of a project: edit the list (kind, its number or pattern, which
 * repositories), save it, preview what the saved rules would remove (a dry run), then run them.
 * A preview always uses the saved rules, so it is offered only with nothing unsaved.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../../api';
import { EmptyState, ErrorBanner, Table, shortDigest, useToast } from '../../components';
import type { RetentionReport, RetentionRule } from './types';
import { useAction } from './use-action';
import { useConfirm } from './use-confirm';

type Kind = RetentionRule['kind'];
interface Draft {
  kind: Kind;
  /** count, days or pattern, as typed. */
  value: string;
  repositories: string;
}

const KINDS: Array<{ id: Kind; label: string; valueLabel: string }> = [
  { id: 'keep-newest', label: 'Keep the newest tags', valueLabel: 'How many' },
  { id: 'keep-matching', label: 'Always keep tags matching', valueLabel: 'Tag pattern' },
  { id: 'untagged-older-than', label: 'Remove untagged images older than', valueLabel: 'Days' },
  { id: 'not-pulled-for', label: 'Remove tags not pulled for', valueLabel: 'Days' },
];

function toDraft(rule: RetentionRule): Draft {
  const value = rule.kind === 'keep-newest' ? rule.count : rule.kind === 'keep-matching' ? rule.pattern : rule.days;
  return { kind: rule.kind, value: String(value), repositories: rule.repositories ?? '' };
}

/** The rule the API takes, or a sentence saying what is wrong with the draft. */
function toRule(draft: Draft, index: number): RetentionRule | string {
  const where = `Rule ${index + 1}`;
  const repositories = draft.repositories.trim() || undefined;
  if (repositories && !/^[a-z0-9._\-/*?]{1,255}$/.test(repositories)) return `${where}: repositories must be a glob like team/* (lower case).`;
  const value = draft.value.trim();
  if (draft.kind === 'keep-matching') {
    if (!/^[\w.\-*?]{1,128}$/.test(value)) return `${where}: enter a tag pattern such as v* or release-?.`;
    return { kind: draft.kind, pattern: value, ...(repositories ? { repositories } : {}) };
  }
  const n = Number(value);
  const max = draft.kind === 'keep-newest' ? 100000 : 36500;
  if (!/^\d+$/.test(value) || n < 1 || n > max) return `${where}: enter a whole number from 1 to ${max.toLocaleString()}.`;
  const rule = draft.kind === 'keep-newest' ? { kind: draft.kind, count: n } : { kind: draft.kind, days: n };
  return { ...rule, ...(repositories ? { repositories } : {}) } as RetentionRule;
}

const same = (a: Draft[], b: Draft[]) => JSON.stringify(a) === JSON.stringify(b);

export function RetentionEditor({ project, rules, canEdit, onSaved }: { project: string; rules: RetentionRule[]; canEdit: boolean; onSaved: () => void }) {
  const saved = rules.map(toDraft);
  const [drafts, setDrafts] = useState<Draft[]>(saved);
  const [report, setReport] = useState<RetentionReport | null>(null);
  const save = useAction();
  const preview = useAction();
  const toast = useToast();
  const confirm = useConfirm();
  const base = `/api/v1/projects/${enc(project)}`;
  useEffect(() => setDrafts(rules.map(toDraft)), [JSON.stringify(rules)]);
  const dirty = !same(drafts, saved);

  const update = (index: number, change: Partial<Draft>) => setDrafts(drafts.map((d, i) => (i === index ? { ...d, ...change } : d)));
  const move = (index: number, by: number) => {
    const next = [...drafts];
    const [item] = next.splice(index, 1);
    next.splice(index + by, 0, item!);
    setDrafts(next);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const parsed = drafts.map(toRule);
    const problem = parsed.find((r): r is string => typeof r === 'string');
    if (problem) {
      save.setError(new Error(problem));
      return;
    }
    if (await save.run(() => api.patch(`${base}/policy`, { retention: parsed }))) {
      toast.notify('Retention rules saved', 'success');
      setReport(null);
      onSaved();
    }
  };

  const dryRun = async () => {
    const result = await preview.run(() => api.post<RetentionReport>(`${base}/retention/run`, { dryRun: true }));
    if (result) setReport(result);
  };

  const runNow = () =>
    confirm.ask({
      title: `Apply the retention rules of ${project}?`,
      body: (
        <p>
          {report ? `${report.removed.length} tags or images will be removed` : 'Tags and images the rules select will be removed'}. Removed tags can be
          restored until the restore window ends; then garbage collection frees their space.
        </p>
      ),
      confirmLabel: 'Remove them',
      action: async () => {
        const result = await api.post<RetentionReport>(`${base}/retention/run`, { dryRun: false });
        setReport(result);
        toast.notify(`Retention removed ${result.removed.length} ${result.removed.length === 1 ? 'item' : 'items'}`, 'success');
      },
    });

  return (
    <section class="card" aria-labelledby="retention-title">
      <h2 id="retention-title">Retention rules</h2>
      <p class="muted">
        Applied in order. "Always keep" rules protect tags from every other rule. Nothing happens until the rules are run (here, or with{' '}
        <code>berth retention run</code>).
      </p>
      <form class="form" onSubmit={submit} noValidate>
        {drafts.length === 0 ? (
          <p>No retention rules{canEdit ? ': add one to clean up old tags automatically.' : '.'}</p>
        ) : (
          <ol class="rules">
            {drafts.map((draft, index) => {
              const kind = KINDS.find((k) => k.id === draft.kind)!;
              const id = `rule-${index}`;
              return (
                <li key={index} class="rule">
                  <fieldset class="rule-fields" disabled={!canEdit}>
                    <legend class="visually-hidden">Rule {index + 1}</legend>
                    <label class="rule-field">
                      <span class="field-label">Rule {index + 1}</span>
                      <select class="input" id={`${id}-kind`} value={draft.kind} onChange={(e) => update(index, { kind: e.currentTarget.value as Kind, value: '' })}>
                        {KINDS.map((k) => (
                          <option key={k.id} value={k.id}>
                            {k.label}
                          </option>
                        ))}
                      </select>
                    </label>
                    <label class="rule-field rule-field-small">
                      <span class="field-label">{kind.valueLabel}</span>
                      <input
                        class="input"
                        id={`${id}-value`}
                        inputMode={draft.kind === 'keep-matching' ? 'text' : 'numeric'}
                        spellcheck={false}
                        value={draft.value}
                        onInput={(e) => update(index, { value: e.currentTarget.value })}
                      />
                    </label>
                    <label class="rule-field">
                      <span class="field-label">In repositories</span>
                      <input
                        class="input"
                        id={`${id}-repositories`}
                        placeholder={`all of ${project}`}
                        spellcheck={false}
                        value={draft.repositories}
                        onInput={(e) => update(index, { repositories: e.currentTarget.value })}
                      />
                    </label>
                  </fieldset>
                  {canEdit ? (
                    <div class="rule-buttons">
                      <button type="button" class="button button-small" aria-label={`Move rule ${index + 1} up`} disabled={index === 0} onClick={() => move(index, -1)}>
                        ↑
                      </button>
                      <button
                        type="button"
                        class="button button-small"
                        aria-label={`Move rule ${index + 1} down`}
                        disabled={index === drafts.length - 1}
                        onClick={() => move(index, 1)}
                      >
                        ↓
                      </button>
                      <button type="button" class="button button-small" aria-label={`Delete rule ${index + 1}`} onClick={() => setDrafts(drafts.filter((_, i) => i !== index))}>
                        Delete
                      </button>
                    </div>
                  ) : null}
                </li>
              );
            })}
          </ol>
        )}
        <ErrorBanner error={save.error} title="The rules were not saved" />
        {canEdit ? (
          <div class="button-row">
            <button type="button" class="button" onClick={() => setDrafts([...drafts, { kind: 'keep-newest', value: '10', repositories: '' }])}>
              Add rule
            </button>
            <button type="submit" class="button button-primary" disabled={save.busy || !dirty}>
              {save.busy ? 'Saving…' : 'Save rules'}
            </button>
            {dirty ? (
              <button type="button" class="button" onClick={() => setDrafts(saved)}>
                Discard changes
              </button>
            ) : null}
          </div>
        ) : null}
      </form>
      {canEdit ? (
        <div class="retention-run">
          <h3>Run the rules</h3>
          {dirty ? <p class="muted">Save the rules first: a preview uses the saved rules.</p> : null}
          <div class="button-row">
            <button type="button" class="button" disabled={dirty || preview.busy || saved.length === 0} onClick={dryRun}>
              {preview.busy ? 'Previewing…' : 'Preview (dry run)'}
            </button>
            <button type="button" class="button button-danger" disabled={dirty || saved.length === 0} onClick={runNow}>
              Run now
            </button>
          </div>
          <ErrorBanner error={preview.error} title="The preview failed" />
          {report ? <RetentionResult report={report} /> : null}
        </div>
      ) : null}
      {confirm.dialog}
    </section>
  );
}

function RetentionResult({ report }: { report: RetentionReport }) {
  const heading = report.dryRun
    ? `The rules would remove ${report.removed.length} ${report.removed.length === 1 ? 'item' : 'items'}`
    : `Removed ${report.removed.length} ${report.removed.length === 1 ? 'item' : 'items'}`;
  return (
    <div class="retention-report" aria-live="polite">
      <h4>{heading}</h4>
      <p class="muted small">
        {report.repositories} {report.repositories === 1 ? 'repository' : 'repositories'} examined.{' '}
        {report.rules.map((r) => `${r.rule}: ${r.removes}`).join('; ')}
        {report.skipped.length ? ` ${report.skipped.length} skipped because a push changed them meanwhile.` : ''}
      </p>
      <Table
        caption={report.dryRun ? 'What the retention rules would remove' : 'What the retention rules removed'}
        columns={[
          { key: 'repository', header: 'Repository', render: (r) => r.repository, sortable: true, value: (r) => r.repository },
          { key: 'tag', header: 'Tag', render: (r) => (r.tag === null ? <span class="muted">untagged</span> : r.tag) },
          { key: 'digest', header: 'Digest', render: (r) => <code title={r.digest}>{shortDigest(r.digest)}</code> },
          { key: 'rule', header: 'Rule', render: (r) => r.rule },
        ]}
        rows={report.removed}
        rowKey={(r) => `${r.repository}@${r.tag ?? r.digest}`}
        empty={<EmptyState title="Nothing to remove">Every tag is kept by the rules as they are.</EmptyState>}
      />
    </div>
  );
}
