/**
 * /projects/NAME/policy: visibility, write policy, immutable tag patterns, the quota with what is
 * used, and the retention rules. Project admins edit all but the quota, which is for system admins;
 * everyone else who may pull sees it read-only.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../../api';
import { Bytes, ErrorBanner, Field, Loading, formatBytes, useToast } from '../../components';
import type { Params } from '../../router';
import { roleIn, useSession } from '../../session';
import { useApi } from '../../use-api';
import { ProjectTabs } from './ProjectTabs';
import { RetentionEditor } from './RetentionEditor';
import type { Policy, Project, ProjectUsage, WritePolicy } from './types';
import { useAction } from './use-action';
import { useConfirm } from './use-confirm';

/** A quota as it was most likely typed: 10 GiB rather than 10.7 GB, when it is a whole number of a binary unit. */
function formatQuota(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let unit = 0;
  while (unit < units.length - 1 && bytes % 1024 ** (unit + 1) === 0) unit++;
  return unit === 0 ? formatBytes(bytes) : `${(bytes / 1024 ** unit).toLocaleString()} ${units[unit]}`;
}

const WRITE_POLICIES: Array<{ id: WritePolicy; label: string; help: string }> = [
  { id: 'allow-redeploy', label: 'Allow redeploy', help: 'A tag may be pushed again to point at another image.' },
  { id: 'disallow-redeploy', label: 'Disallow redeploy', help: 'Once pushed, a tag always names the same image.' },
  { id: 'read-only', label: 'Read only', help: 'No pushes or deletes at all.' },
];

export function ProjectPolicy({ params }: { params: Params }) {
  const project = params.name!;
  const base = `/api/v1/projects/${enc(project)}`;
  const { user } = useSession();
  const canEdit = roleIn(user, project) === 'admin';
  const isSystemAdmin = user?.systemAdmin ?? false;
  const info = useApi<Project>(base);
  const policy = useApi<Policy>(`${base}/policy`);
  const usage = useApi<ProjectUsage>(`${base}/usage`);

  if ((policy.loading && !policy.data) || (info.loading && !info.data)) {
    return (
      <>
        <ProjectTabs project={project} title="Policy" />
        <Loading label="Loading the policy…" />
      </>
    );
  }
  const failed = info.error ?? policy.error;
  if (failed || !policy.data || !info.data) {
    return (
      <>
        <ProjectTabs project={project} title="Policy" />
        <ErrorBanner error={failed ?? new Error('No policy')} title="The policy could not be loaded" onRetry={() => (info.reload(), policy.reload())} />
      </>
    );
  }
  const saved = (next: Policy) => {
    policy.reload();
    usage.reload();
    return next;
  };

  return (
    <>
      <ProjectTabs project={project} title="Policy">
        {canEdit ? null : 'Only project admins change these.'}
      </ProjectTabs>
      <div class="stack">
        <VisibilityCard project={info.data} canEdit={canEdit} onChange={info.reload} base={base} />
        <WritePolicyCard policy={policy.data} canEdit={canEdit} base={base} onSaved={saved} />
        <ImmutableTagsCard policy={policy.data} canEdit={canEdit} base={base} onSaved={saved} />
        <QuotaCard policy={policy.data} usage={usage.data} usageError={usage.error} canEdit={isSystemAdmin} base={base} onSaved={saved} />
        <RetentionEditor project={project} rules={policy.data.retention} canEdit={canEdit} onSaved={() => policy.reload()} />
      </div>
    </>
  );
}

function VisibilityCard({ project, canEdit, base, onChange }: { project: Project; canEdit: boolean; base: string; onChange: () => void }) {
  const confirm = useConfirm();
  const toast = useToast();
  const next = project.visibility === 'public' ? 'private' : 'public';
  return (
    <section class="card" aria-labelledby="visibility-title">
      <h2 id="visibility-title">Visibility</h2>
      <p>
        <strong>{project.visibility === 'public' ? 'Public' : 'Private'}</strong>:{' '}
        {project.visibility === 'public'
          ? 'every signed-in user (and anonymous visitors when anonymous pull is on) may pull.'
          : 'only members may pull.'}
      </p>
      {canEdit ? (
        <button
          type="button"
          class="button"
          onClick={() =>
            confirm.ask({
              title: `Make ${project.name} ${next}?`,
              body:
                next === 'public' ? (
                  <p>Every repository, tag and image in {project.name} becomes readable by everyone who can reach this registry.</p>
                ) : (
                  <p>Only members will be able to pull; anyone else pulling from {project.name} is refused from now on.</p>
                ),
              confirmLabel: `Make ${next}`,
              danger: next === 'public',
              action: async () => {
                await api.patch(base, { visibility: next });
                toast.notify(`${project.name} is now ${next}`, 'success');
                onChange();
              },
            })
          }
        >
          Make {next}
        </button>
      ) : null}
      {confirm.dialog}
    </section>
  );
}

interface CardProps {
  policy: Policy;
  canEdit: boolean;
  base: string;
  onSaved: (policy: Policy) => void;
}

function WritePolicyCard({ policy, canEdit, base, onSaved }: CardProps) {
  const [value, setValue] = useState<WritePolicy>(policy.writePolicy);
  const save = useAction();
  const toast = useToast();
  useEffect(() => setValue(policy.writePolicy), [policy.writePolicy]);
  const submit = async (event: Event) => {
    event.preventDefault();
    const next = await save.run(() => api.patch<Policy>(`${base}/policy`, { writePolicy: value }));
    if (next) {
      toast.notify('Write policy saved', 'success');
      onSaved(next);
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-labelledby="write-policy-title">
      <fieldset class="choices" disabled={!canEdit}>
        <legend id="write-policy-title" class="card-legend">Write policy</legend>
        {WRITE_POLICIES.map((p) => (
          <label key={p.id} class="choice">
            <input type="radio" name="write-policy" value={p.id} checked={value === p.id} onChange={() => setValue(p.id)} />
            <span>
              <strong>{p.label}</strong> <span class="muted">{p.help}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <ErrorBanner error={save.error} />
      {canEdit ? (
        <div>
          <button type="submit" class="button button-primary" disabled={save.busy || value === policy.writePolicy}>
            Save write policy
          </button>
        </div>
      ) : null}
    </form>
  );
}

const TAG_GLOB = /^[\w.\-*?]{1,128}$/;

function ImmutableTagsCard({ policy, canEdit, base, onSaved }: CardProps) {
  const [pattern, setPattern] = useState('');
  const [patternError, setPatternError] = useState<string | null>(null);
  const save = useAction();
  const toast = useToast();
  const write = async (immutableTags: string[], message: string) => {
    const next = await save.run(() => api.patch<Policy>(`${base}/policy`, { immutableTags }));
    if (next) {
      toast.notify(message, 'success');
      onSaved(next);
    }
    return next;
  };
  const add = async (event: Event) => {
    event.preventDefault();
    const p = pattern.trim();
    if (!TAG_GLOB.test(p)) {
      setPatternError('A tag pattern: letters, digits, ".", "_", "-", with * (any run) and ? (one character); e.g. v* or release-?.');
      return;
    }
    setPatternError(null);
    if (policy.immutableTags.includes(p)) return setPattern('');
    if (await write([...policy.immutableTags, p], `Tags matching ${p} are now immutable`)) setPattern('');
  };
  return (
    <section class="card" aria-labelledby="immutable-title">
      <h2 id="immutable-title">Immutable tags</h2>
      <p class="muted">A tag matching one of these patterns can never be pushed again or deleted.</p>
      {policy.immutableTags.length === 0 ? (
        <p>No immutable tags{canEdit ? ': add a pattern such as v* to protect release tags.' : '.'}</p>
      ) : (
        <ul class="chips" aria-label="Immutable tag patterns">
          {policy.immutableTags.map((p) => (
            <li key={p} class="chip">
              <code>{p}</code>
              {canEdit ? (
                <button
                  type="button"
                  class="chip-remove"
                  aria-label={`Remove pattern ${p}`}
                  disabled={save.busy}
                  onClick={() => void write(policy.immutableTags.filter((t) => t !== p), `Pattern ${p} removed`)}
                >
                  ×
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <ErrorBanner error={save.error} />
      {canEdit ? (
        <form class="form-row" onSubmit={add} noValidate>
          <Field id="immutable-pattern" label="Pattern" error={patternError}>
            {(props) => <input {...props} class="input" placeholder="v*" spellcheck={false} value={pattern} onInput={(e) => setPattern(e.currentTarget.value)} />}
          </Field>
          <button type="submit" class="button form-row-button" disabled={save.busy}>
            Add pattern
          </button>
        </form>
      ) : null}
    </section>
  );
}

function QuotaCard({ policy, usage, usageError, canEdit, base, onSaved }: CardProps & { usage: ProjectUsage | undefined; usageError: unknown }) {
  const [quota, setQuota] = useState('');
  const save = useAction();
  const toast = useToast();
  const used = usage?.usedBytes;
  const limit = policy.quotaBytes;
  const submit = async (event: Event) => {
    event.preventDefault();
    const text = quota.trim();
    if (!text) {
      save.setError(new Error('Enter a size such as 10GiB or 500MiB, or "none" to remove the quota.'));
      return;
    }
    const next = await save.run(() => api.patch<Policy>(`${base}/policy`, { quota: /^none$/i.test(text) ? null : /^\d+$/.test(text) ? Number(text) : text }));
    if (next) {
      toast.notify(next.quotaBytes === null ? 'Quota removed' : `Quota set to ${formatQuota(next.quotaBytes)}`, 'success');
      setQuota('');
      onSaved(next);
    }
  };
  const share = used !== undefined && limit ? used / limit : null;
  return (
    <section class="card" aria-labelledby="quota-title">
      <h2 id="quota-title">Quota and usage</h2>
      {usageError ? <ErrorBanner error={usageError} title="Usage could not be loaded" /> : null}
      <p>
        Using <Bytes value={used} /> {limit ? <>of <span title={`${limit.toLocaleString()} bytes`}>{formatQuota(limit)}</span></> : <span class="muted">(no quota)</span>}
        {share !== null ? <> — {Math.round(share * 100)}%</> : null}
      </p>
      {limit && used !== undefined ? (
        <meter
          class={`usage-meter${share !== null && share >= 0.9 ? ' usage-meter-high' : ''}`}
          aria-label="Quota used"
          min={0}
          max={limit}
          low={limit * 0.75}
          high={limit * 0.9}
          optimum={0}
          value={Math.min(used, limit)}
        >
          {Math.round((share ?? 0) * 100)}%
        </meter>
      ) : null}
      {usage ? (
        <p class="muted small">
          {usage.usage.manifests.toLocaleString()} manifests and {usage.usage.blobs.toLocaleString()} blobs in {usage.repositories.length.toLocaleString()}{' '}
          {usage.repositories.length === 1 ? 'repository' : 'repositories'}; a layer shared by repositories counts once.
        </p>
      ) : null}
      <ErrorBanner error={save.error} />
      {canEdit ? (
        <form class="form-row" onSubmit={submit} noValidate>
          <Field id="quota" label={limit ? 'New quota' : 'Quota'} hint='A size (10GiB, 500MiB; powers of 1024) or "none".'>
            {(props) => <input {...props} class="input" placeholder="10GiB" spellcheck={false} value={quota} onInput={(e) => setQuota(e.currentTarget.value)} />}
          </Field>
          <button type="submit" class="button form-row-button" disabled={save.busy}>
            Set quota
          </button>
        </form>
      ) : (
        <p class="muted small">System admins set quotas.</p>
      )}
    </section>
  );
}
