/**
 * Creating a project: `CreateProjectForm` (mountable in a dialog or a page, e.g. by the projects
 * list) and the /projects/new page around it. System admins may always create projects; other
 * users when the registry lets pushes create projects. The server decides and says why not.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api';
import { ErrorBanner, Field, PageHeader, useToast } from '../../components';
import { href, Link, navigate } from '../../router';
import { useSession } from '../../session';
import { useApi } from '../../use-api';
import { emptyKind, kindBody, ProjectKindFields, type KindDraft } from './ProjectKindFields';
import type { Project } from './types';
import { useAction } from './use-action';

export function CreateProjectForm({ onCreated, onCancel }: { onCreated: (project: Project) => void; onCancel?: () => void }) {
  const [name, setName] = useState('');
  const [visibility, setVisibility] = useState<'private' | 'public'>('private');
  const [nameError, setNameError] = useState<string | null>(null);
  // Proxy and group projects make the registry reach out or route everyone's pulls: system admins only.
  const { user } = useSession();
  const [kind, setKind] = useState<KindDraft>(emptyKind);
  const [kindError, setKindError] = useState<string | null>(null);
  const create = useAction();
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    const value = name.trim();
    if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(value)) {
      setNameError('Use lower-case letters and digits, separated by ".", "_" or "-" (no "/": a project is the first part of a repository name).');
      return;
    }
    setNameError(null);
    const extra = kindBody(kind);
    if ('error' in extra) {
      setKindError(extra.error);
      return;
    }
    setKindError(null);
    const project = await create.run(() => api.post<Project>('/api/v1/projects', { name: value, visibility, ...extra.body }));
    if (project) onCreated(project);
  };

  return (
    <form class="card form" onSubmit={submit} noValidate aria-label="Create a project">
      <ErrorBanner error={create.error} title="The project was not created" />
      <Field id="project-name" label="Name" hint={`Repositories will be named ${name.trim() || 'NAME'}/app.`} error={nameError}>
        {(props) => (
          <input
            {...props}
            ref={first}
            class="input"
            autoComplete="off"
            autoCapitalize="none"
            spellcheck={false}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        )}
      </Field>
      <fieldset class="choices">
        <legend class="field-label">Visibility</legend>
        <label class="choice">
          <input type="radio" name="visibility" value="private" checked={visibility === 'private'} onChange={() => setVisibility('private')} />
          <span>
            <strong>Private</strong> <span class="muted">Only members may pull.</span>
          </span>
        </label>
        <label class="choice">
          <input type="radio" name="visibility" value="public" checked={visibility === 'public'} onChange={() => setVisibility('public')} />
          <span>
            <strong>Public</strong> <span class="muted">Every signed-in user may pull (anonymous visitors too when anonymous pull is on).</span>
          </span>
        </label>
      </fieldset>
      {user?.systemAdmin ? (
        <KindChoice
          draft={kind}
          onChange={(draft) => {
            setKind(draft);
            setKindError(null);
          }}
          error={kindError}
        />
      ) : null}
      <div class="button-row">
        <button type="submit" class="button button-primary" disabled={create.busy}>
          {create.busy ? 'Creating…' : 'Create project'}
        </button>
        {onCancel ? (
          <button type="button" class="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

/** The kind fields with the projects a group may join (loaded only for system admins). */
function KindChoice({ draft, onChange, error }: { draft: KindDraft; onChange: (draft: KindDraft) => void; error: string | null }) {
  const projects = useApi<{ projects: Project[] }>('/api/v1/projects');
  const joinable = (projects.data?.projects ?? []).filter((p) => p.kind !== 'group');
  return <ProjectKindFields draft={draft} onChange={onChange} projects={joinable} error={error} />;
}

/** A "Create project" button-link for the projects list. */
export function CreateProjectLink() {
  return (
    <Link href="/projects/new" class="button button-primary">
      Create project
    </Link>
  );
}

export function NewProject() {
  const toast = useToast();
  return (
    <div class="narrow-wide">
      <PageHeader title="Create a project" breadcrumbs={<Link href="/projects">Projects</Link>}>
        You become its admin: add members and robot accounts next.
      </PageHeader>
      <CreateProjectForm
        onCreated={(project) => {
          toast.notify(`Project ${project.name} created`, 'success');
          navigate(href('/projects', project.name, 'members'));
        }}
        onCancel={() => history.back()}
      />
    </div>
  );
}
