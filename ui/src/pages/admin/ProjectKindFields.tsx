/**
 * The system-admin part of creating a project: its kind. A proxy project needs its upstream
 * (URL, optional credentials, tag TTL); a group project its ordered members and the member that
 * pushes go to. The password is only ever sent: the API answers `hasPassword`, never the value.
 */
import { Field } from '../../components';
import type { Project } from './types';

export type ProjectKind = 'hosted' | 'proxy' | 'group';

export interface KindDraft {
  kind: ProjectKind;
  url: string;
  username: string;
  password: string;
  ttl: string;
  members: string[];
  pushTo: string;
}

export const emptyKind: KindDraft = { kind: 'hosted', url: '', username: '', password: '', ttl: '', members: [], pushTo: '' };

/** The `proxy` or `group` member of the create request, or an error to show. */
export function kindBody(draft: KindDraft): { body: Record<string, unknown> } | { error: string } {
  if (draft.kind === 'proxy') {
    const url = draft.url.trim();
    if (!/^https?:\/\/[^/\s]+/.test(url)) return { error: 'Give the upstream as an http:// or https:// URL, such as https://registry-1.docker.io.' };
    const proxy: Record<string, unknown> = { url };
    if (draft.username.trim()) proxy.username = draft.username.trim();
    if (draft.password) proxy.password = draft.password;
    if (draft.ttl.trim()) proxy.ttl = draft.ttl.trim();
    return { body: { proxy } };
  }
  if (draft.kind === 'group') {
    if (draft.members.length === 0) return { error: 'Add at least one member project.' };
    return { body: { group: { members: draft.members, ...(draft.pushTo ? { pushTo: draft.pushTo } : {}) } } };
  }
  return { body: {} };
}

export function ProjectKindFields({
  draft,
  onChange,
  projects,
  error,
}: {
  draft: KindDraft;
  onChange: (draft: KindDraft) => void;
  /** Projects that may be members (no groups: groups do not nest). */
  projects: Project[];
  error: string | null;
}) {
  const set = (patch: Partial<KindDraft>) => onChange({ ...draft, ...patch });
  const kinds: Array<[ProjectKind, string, string]> = [
    ['hosted', 'Hosted', 'Images are pushed into it.'],
    ['proxy', 'Proxy', 'A pull-through cache of another registry; pushes are refused.'],
    ['group', 'Group', 'Joins several projects: pulls try them in order, pushes go to one of them.'],
  ];
  return (
    <>
      <fieldset class="choices">
        <legend class="field-label">Kind</legend>
        {kinds.map(([kind, label, hint]) => (
          <label class="choice" key={kind}>
            <input type="radio" name="kind" value={kind} checked={draft.kind === kind} onChange={() => set({ kind })} />
            <span>
              <strong>{label}</strong> <span class="muted">{hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {draft.kind === 'proxy' ? <ProxyFields draft={draft} set={set} error={error} /> : null}
      {draft.kind === 'group' ? <GroupFields draft={draft} set={set} projects={projects} error={error} /> : null}
    </>
  );
}

function ProxyFields({ draft, set, error }: { draft: KindDraft; set: (patch: Partial<KindDraft>) => void; error: string | null }) {
  return (
    <>
      <Field id="proxy-url" label="Upstream URL" hint="Docker Hub is https://registry-1.docker.io. Berth checks it answers before saving." error={error}>
        {(props) => <input {...props} class="input" type="url" autoComplete="off" spellcheck={false} value={draft.url} onInput={(e) => set({ url: e.currentTarget.value })} />}
      </Field>
      <Field id="proxy-username" label="Upstream username (optional)">
        {(props) => <input {...props} class="input" autoComplete="off" spellcheck={false} value={draft.username} onInput={(e) => set({ username: e.currentTarget.value })} />}
      </Field>
      <Field id="proxy-password" label="Upstream password or token (optional)" hint="Stored encrypted; never shown again.">
        {(props) => <input {...props} class="input" type="password" autoComplete="new-password" value={draft.password} onInput={(e) => set({ password: e.currentTarget.value })} />}
      </Field>
      <Field id="proxy-ttl" label="Tag TTL (optional)" hint="How long a cached tag is served before it is checked upstream, such as 1h; 24h when empty.">
        {(props) => <input {...props} class="input" autoComplete="off" spellcheck={false} value={draft.ttl} onInput={(e) => set({ ttl: e.currentTarget.value })} />}
      </Field>
    </>
  );
}

function GroupFields({
  draft,
  set,
  projects,
  error,
}: {
  draft: KindDraft;
  set: (patch: Partial<KindDraft>) => void;
  projects: Project[];
  error: string | null;
}) {
  const available = projects.filter((p) => !draft.members.includes(p.name));
  const kindOf = (name: string) => projects.find((p) => p.name === name)?.kind ?? 'hosted';
  const move = (index: number, by: number) => {
    const members = [...draft.members];
    const [moved] = members.splice(index, 1);
    members.splice(index + by, 0, moved!);
    set({ members });
  };
  const remove = (name: string) => set({ members: draft.members.filter((m) => m !== name), pushTo: draft.pushTo === name ? '' : draft.pushTo });
  const hosted = draft.members.filter((m) => kindOf(m) === 'hosted');
  return (
    <>
      <div class="field">
        <span class="field-label" id="group-members-label">
          Members, in pull order
        </span>
        {draft.members.length === 0 ? (
          <p class="muted">No members yet.</p>
        ) : (
          <ol class="member-order" aria-labelledby="group-members-label">
            {draft.members.map((name, index) => (
              <li key={name}>
                <span>
                  {name} <span class="muted">({kindOf(name)})</span>
                </span>
                <span class="button-row">
                  <button type="button" class="button" disabled={index === 0} onClick={() => move(index, -1)} aria-label={`Move ${name} up`}>
                    ↑
                  </button>
                  <button type="button" class="button" disabled={index === draft.members.length - 1} onClick={() => move(index, 1)} aria-label={`Move ${name} down`}>
                    ↓
                  </button>
                  <button type="button" class="button" onClick={() => remove(name)} aria-label={`Remove ${name}`}>
                    Remove
                  </button>
                </span>
              </li>
            ))}
          </ol>
        )}
        {error ? (
          <p class="field-error" id="group-members-error">
            {error}
          </p>
        ) : null}
      </div>
      <Field id="group-add" label="Add a member" hint="Hosted and proxy projects; the first that has an image answers a pull.">
        {(props) => (
          <select
            {...props}
            class="input"
            value=""
            onChange={(e) => {
              const name = e.currentTarget.value;
              if (name) set({ members: [...draft.members, name] });
            }}
          >
            <option value="">Choose a project…</option>
            {available.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} ({p.kind ?? 'hosted'})
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id="group-push-to" label="Pushes go to" hint="A hosted member; without one, pushes to the group are refused.">
        {(props) => (
          <select {...props} class="input" value={draft.pushTo} onChange={(e) => set({ pushTo: e.currentTarget.value })}>
            <option value="">No member (refuse pushes)</option>
            {hosted.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        )}
      </Field>
    </>
  );
}

/** "Proxy of docker.io", "Group of team, hub; pushes go to team", or nothing for hosted projects. */
export function kindSummary(project: Pick<Project, 'kind' | 'proxy' | 'group'>): string | null {
  if (project.kind === 'proxy' && project.proxy) {
    const credentials = project.proxy.hasPassword ? ', with credentials' : '';
    return `Proxy of ${project.proxy.upstream}${credentials}`;
  }
  if (project.kind === 'group' && project.group) {
    const push = project.group.pushTo ? `; pushes go to ${project.group.pushTo}` : '; pushes refused';
    return `Group of ${project.group.members.join(', ')}${push}`;
  }
  return null;
}
