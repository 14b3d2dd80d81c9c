/**
 * /projects/NAME/robots: robot accounts for CI and deployments (project admins). Creating one
 * shows its secret once, with the docker login line to use it; deleting one asks first.
 */
import { useState } from 'preact/hooks';
import { api, enc } from '../../api';
import { CopyButton, EmptyState, ErrorBanner, Field, Loading, RelativeTime, Table, useToast, type Column } from '../../components';
import type { Params } from '../../router';
import { roleIn, useSession } from '../../session';
import { useApi } from '../../use-api';
import { EXPIRY_CHOICES } from './expiry';
import { ProjectTabs } from './ProjectTabs';
import { SecretOnce } from './SecretOnce';
import type { Robot, RobotAction, SystemInfo } from './types';
import { useAction } from './use-action';
import { useConfirm } from './use-confirm';

const ACTIONS: Array<{ id: RobotAction; label: string }> = [
  { id: 'pull', label: 'Pull' },
  { id: 'push', label: 'Push' },
  { id: 'delete', label: 'Delete' },
];

export function ProjectRobots({ params }: { params: Params }) {
  const project = params.name!;
  const { user } = useSession();
  const canManage = roleIn(user, project) === 'admin';
  const robots = useApi<{ robots: Robot[] }>(`/api/v1/projects/${enc(project)}/robots`);
  const system = useApi<SystemInfo>('/api/v1/system');
  const toast = useToast();
  const confirm = useConfirm();
  const create = useAction();
  const [name, setName] = useState('');
  const [actions, setActions] = useState<Set<RobotAction>>(new Set(['pull']));
  const [expiresIn, setExpiresIn] = useState('90d');
  const [created, setCreated] = useState<(Robot & { secret: string }) | null>(null);
  const [nameError, setNameError] = useState<string | null>(null);

  const toggle = (action: RobotAction) => {
    const next = new Set(actions);
    if (next.has(action)) next.delete(action);
    else next.add(action);
    setActions(next);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const short = name.trim();
    if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(short)) {
      setNameError('Use lower-case letters, digits, ".", "_" or "-", starting with a letter or digit (at most 64).');
      return;
    }
    setNameError(null);
    if (actions.size === 0) {
      create.setError(new Error('Choose at least one action the robot may do.'));
      return;
    }
    const body = { name: short, actions: ACTIONS.map((a) => a.id).filter((a) => actions.has(a)), ...(expiresIn ? { expiresIn } : {}) };
    const robot = await create.run(() => api.post<Robot & { secret: string }>(`/api/v1/projects/${enc(project)}/robots`, body));
    if (robot) {
      setCreated(robot);
      setName('');
      robots.reload();
    }
  };

  const host = system.data?.registryHost ?? location.host;
  const columns: Column<Robot>[] = [
    { key: 'name', header: 'Name', sortable: true, value: (r) => r.name, render: (r) => <code>{r.name}</code> },
    { key: 'actions', header: 'May', render: (r) => r.actions.join(', ') },
    { key: 'created', header: 'Created', sortable: true, value: (r) => r.createdAt, render: (r) => <RelativeTime value={r.createdAt} /> },
    {
      key: 'expires',
      header: 'Expires',
      sortable: true,
      value: (r) => r.expiresAt ?? null,
      render: (r) =>
        r.expiresAt ? (
          new Date(r.expiresAt) < new Date() ? <span class="badge badge-danger">expired</span> : <RelativeTime value={r.expiresAt} />
        ) : (
          <span class="muted">never</span>
        ),
    },
    { key: 'status', header: 'Status', render: (r) => (r.disabled ? <span class="badge">disabled</span> : 'active') },
  ];
  if (canManage) {
    columns.push({
      key: 'delete',
      header: <span class="visually-hidden">Actions</span>,
      className: 'actions',
      render: (r) => (
        <button
          type="button"
          class="button button-small button-danger-outline"
          aria-label={`Delete ${r.name}`}
          onClick={() =>
            confirm.ask({
              title: `Delete ${r.name}?`,
              body: <p>Anything logging in as this robot (CI jobs, deployments) stops working at once. This cannot be undone.</p>,
              confirmLabel: 'Delete robot',
              action: async () => {
                await api.delete(`/api/v1/robots/${enc(r.name)}`);
                toast.notify(`${r.name} deleted`, 'success');
                robots.reload();
              },
            })
          }
        >
          Delete
        </button>
      ),
    });
  }

  return (
    <>
      <ProjectTabs project={project} title="Robot accounts">
        Accounts for machines: CI pipelines and deployments log in with a robot's name and secret.
      </ProjectTabs>
      {created ? (
        <SecretOnce title={`Robot ${created.name} created`} label="Robot secret" secret={created.secret} onDone={() => setCreated(null)}>
          <p>Log in with:</p>
          <div class="secret-row">
            <code class="secret-command">{`docker login ${host} -u '${created.name}'`}</code>
            <CopyButton text={`docker login ${host} -u '${created.name}'`} label="Copy the login command" />
          </div>
        </SecretOnce>
      ) : null}
      {canManage && !created ? (
        <form class="card form section" onSubmit={submit} noValidate aria-labelledby="new-robot-title">
          <h2 id="new-robot-title" class="form-title">Create a robot account</h2>
          <ErrorBanner error={create.error} />
          <div class="form-row">
            <Field id="robot-name" label="Name" hint={`Its full name will be robot$${project}+${name.trim() || 'NAME'}.`} error={nameError}>
              {(props) => (
                <input {...props} class="input" autoComplete="off" autoCapitalize="none" spellcheck={false} value={name} onInput={(e) => setName(e.currentTarget.value)} />
              )}
            </Field>
            <Field id="robot-expiry" label="Expires after">
              {(props) => (
                <select {...props} class="input" value={expiresIn} onChange={(e) => setExpiresIn(e.currentTarget.value)}>
                  {EXPIRY_CHOICES.map((c) => (
                    <option key={c.value} value={c.value}>
                      {c.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <fieldset class="checks">
            <legend class="field-label">May</legend>
            {ACTIONS.map((a) => (
              <label key={a.id} class="check">
                <input type="checkbox" checked={actions.has(a.id)} onChange={() => toggle(a.id)} /> {a.label}
              </label>
            ))}
          </fieldset>
          <div>
            <button type="submit" class="button button-primary" disabled={create.busy}>
              {create.busy ? 'Creating…' : 'Create robot'}
            </button>
          </div>
        </form>
      ) : null}
      {robots.loading && !robots.data ? (
        <Loading label="Loading robot accounts…" />
      ) : robots.error ? (
        <ErrorBanner error={robots.error} title="Robot accounts could not be loaded" onRetry={robots.reload} />
      ) : (
        <Table
          caption={`Robot accounts of ${project}`}
          columns={columns}
          rows={robots.data?.robots ?? []}
          rowKey={(r) => r.name}
          empty={
            <EmptyState title="No robot accounts">
              {canManage ? 'Create one above for a CI pipeline or a deployment, instead of sharing a person\'s password.' : 'Project admins create robot accounts.'}
            </EmptyState>
          }
        />
      )}
      {confirm.dialog}
    </>
  );
}
