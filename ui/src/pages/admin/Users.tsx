/**
 * /users (system admins): every user; create one (a password of 12+ characters, or one Berth
 * generates and shows once), disable or enable, grant or revoke system admin, reset a password,
 * delete. The server keeps the last enabled system admin from being locked out.
 */
import { useState } from 'preact/hooks';
import { api, enc } from '../../api';
import { ConfirmDialog, EmptyState, ErrorBanner, Field, Loading, PageHeader, RelativeTime, Table, useToast, type Column } from '../../components';
import { useSession } from '../../session';
import { useApi } from '../../use-api';
import { SecretOnce } from './SecretOnce';
import type { User } from './types';
import { useAction } from './use-action';
import { useConfirm } from './use-confirm';

const NAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;

export function passwordProblem(password: string): string | null {
  if (password.length < 12) return 'At least 12 characters.';
  if (new TextEncoder().encode(password).length > 72) return 'At most 72 bytes (shorter, or fewer non-ASCII characters).';
  if (!password.trim()) return 'Not only spaces.';
  return null;
}

/** 24 characters from a 62-letter alphabet: about 143 bits, from the browser's CSPRNG. */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const out: string[] = [];
  while (out.length < 24) {
    const [byte] = crypto.getRandomValues(new Uint8Array(1));
    if (byte! < 248) out.push(alphabet[byte! % 62]!); // 248 = 4 × 62: no modulo bias
  }
  return out.join('');
}

export function Users() {
  const users = useApi<{ users: User[] }>('/api/v1/users');
  const { user: me } = useSession();
  const toast = useToast();
  const confirm = useConfirm();
  const [shown, setShown] = useState<{ title: string; secret: string } | null>(null);
  const [resetting, setResetting] = useState<User | null>(null);
  const path = (name: string) => `/api/v1/users/${enc(name)}`;

  const change = (u: User, body: Partial<User>, done: string) => async () => {
    await api.patch(path(u.name), body);
    toast.notify(done, 'success');
    users.reload();
  };

  const columns: Column<User>[] = [
    { key: 'name', header: 'User', sortable: true, value: (u) => u.name, render: (u) => <>{u.name}{u.name === me?.name ? <span class="muted"> (you)</span> : null}</> },
    { key: 'admin', header: 'System admin', sortable: true, value: (u) => (u.systemAdmin ? 0 : 1), render: (u) => (u.systemAdmin ? <span class="badge badge-info">admin</span> : <span class="muted">no</span>) },
    { key: 'status', header: 'Status', sortable: true, value: (u) => (u.disabled ? 1 : 0), render: (u) => (u.disabled ? <span class="badge badge-danger">disabled</span> : 'active') },
    { key: 'created', header: 'Created', sortable: true, value: (u) => u.createdAt, render: (u) => <RelativeTime value={u.createdAt} /> },
    {
      key: 'actions',
      header: <span class="visually-hidden">Actions</span>,
      className: 'actions',
      render: (u) => (
        <div class="row-actions">
          <button
            type="button"
            class="button button-small"
            onClick={() =>
              u.disabled
                ? confirm.ask({ title: `Enable ${u.name}?`, body: <p>{u.name} can sign in and use their tokens again.</p>, confirmLabel: 'Enable', danger: false, action: change(u, { disabled: false }, `${u.name} enabled`) })
                : confirm.ask({
                    title: `Disable ${u.name}?`,
                    body: <p>{u.name} can no longer sign in, push or pull; their access tokens stop working. Nothing is deleted.</p>,
                    confirmLabel: 'Disable',
                    action: change(u, { disabled: true }, `${u.name} disabled`),
                  })
            }
          >
            {u.disabled ? 'Enable' : 'Disable'}
          </button>
          <button
            type="button"
            class="button button-small"
            onClick={() =>
              u.systemAdmin
                ? confirm.ask({ title: `Revoke system admin from ${u.name}?`, body: <p>{u.name} keeps their project roles but can no longer manage users, settings or garbage collection.</p>, confirmLabel: 'Revoke admin', action: change(u, { systemAdmin: false }, `${u.name} is no longer a system admin`) })
                : confirm.ask({ title: `Make ${u.name} a system admin?`, body: <p>{u.name} will be able to do anything: manage every user, project and setting.</p>, confirmLabel: 'Grant admin', action: change(u, { systemAdmin: true }, `${u.name} is now a system admin`) })
            }
          >
            {u.systemAdmin ? 'Revoke admin' : 'Make admin'}
          </button>
          <button type="button" class="button button-small" onClick={() => setResetting(u)}>
            Reset password
          </button>
          <button
            type="button"
            class="button button-small button-danger-outline"
            aria-label={`Delete ${u.name}`}
            onClick={() =>
              confirm.ask({
                title: `Delete ${u.name}?`,
                body: <p>Their memberships, access tokens and stars go with them. Their pushes stay. This cannot be undone.</p>,
                confirmLabel: 'Delete user',
                action: async () => {
                  await api.delete(path(u.name));
                  toast.notify(`${u.name} deleted`, 'success');
                  users.reload();
                },
              })
            }
          >
            Delete
          </button>
        </div>
      ),
    },
  ];

  return (
    <>
      <PageHeader title="Users">People who sign in to Berth. Project roles are set on each project's Members page.</PageHeader>
      {shown ? <SecretOnce title={shown.title} label="Password" secret={shown.secret} onDone={() => setShown(null)} /> : null}
      <NewUserForm onCreated={(u, password) => {
        toast.notify(`User ${u.name} created`, 'success');
        if (password) setShown({ title: `Password of ${u.name}`, secret: password });
        users.reload();
      }} />
      {users.loading && !users.data ? (
        <Loading label="Loading users…" />
      ) : users.error ? (
        <ErrorBanner error={users.error} title="Users could not be loaded" onRetry={users.reload} />
      ) : (
        <Table caption="Users" columns={columns} rows={users.data?.users ?? []} rowKey={(u) => u.name} empty={<EmptyState title="No users">Create one above.</EmptyState>} />
      )}
      {resetting ? (
        <ResetPassword
          user={resetting}
          onClose={() => setResetting(null)}
          onDone={(password) => {
            setResetting(null);
            toast.notify(`Password of ${resetting.name} reset`, 'success');
            setShown({ title: `New password of ${resetting.name}`, secret: password });
          }}
        />
      ) : null}
      {confirm.dialog}
    </>
  );
}

function NewUserForm({ onCreated }: { onCreated: (user: User, password: string | undefined) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [systemAdmin, setSystemAdmin] = useState(false);
  const [errors, setErrors] = useState<{ name?: string | null; password?: string | null }>({});
  const create = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const value = name.trim();
    const next = {
      name: NAME.test(value) && value !== 'anonymous' && value !== 'cli' ? null : 'Lower-case letters, digits, ".", "_", "-"; 2 to 64 characters (not anonymous or cli).',
      password: password ? passwordProblem(password) : null,
    };
    setErrors(next);
    if (next.name || next.password) return;
    const created = await create.run(() => api.post<User & { password?: string }>('/api/v1/users', { name: value, systemAdmin, ...(password ? { password } : {}) }));
    if (created) {
      setName('');
      setPassword('');
      setSystemAdmin(false);
      onCreated(created, created.password);
    }
  };
  return (
    <form class="card form section" onSubmit={submit} noValidate aria-labelledby="new-user-title">
      <h2 id="new-user-title" class="form-title">Create a user</h2>
      <ErrorBanner error={create.error} title="The user was not created" />
      <div class="form-row">
        <Field id="new-user-name" label="User name" error={errors.name}>
          {(props) => <input {...props} class="input" autoComplete="off" autoCapitalize="none" spellcheck={false} value={name} onInput={(e) => setName(e.currentTarget.value)} />}
        </Field>
        <Field id="new-user-password" label="Password" hint="12 characters or more; leave empty to have one generated and shown once." error={errors.password}>
          {(props) => <input {...props} class="input" type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />}
        </Field>
      </div>
      <label class="check">
        <input type="checkbox" checked={systemAdmin} onChange={(e) => setSystemAdmin(e.currentTarget.checked)} /> System admin
      </label>
      <div>
        <button type="submit" class="button button-primary" disabled={create.busy}>
          {create.busy ? 'Creating…' : 'Create user'}
        </button>
      </div>
    </form>
  );
}

function ResetPassword({ user, onClose, onDone }: { user: User; onClose: () => void; onDone: (password: string) => void }) {
  const [password, setPassword] = useState(generatePassword);
  const [problem, setProblem] = useState<string | null>(null);
  const reset = useAction();
  const confirm = async () => {
    const wrong = passwordProblem(password);
    setProblem(wrong);
    if (wrong) return;
    if (await reset.run(async () => (await api.patch(`/api/v1/users/${enc(user.name)}`, { password }), true))) onDone(password);
  };
  return (
    <ConfirmDialog open title={`Reset the password of ${user.name}?`} confirmLabel="Reset password" busy={reset.busy} danger onConfirm={confirm} onCancel={onClose}>
      <ErrorBanner error={reset.error} />
      <p>Their old password stops working at once. Give them the new one over a safe channel.</p>
      <Field id="reset-password" label="New password" hint="Generated for you; 12 characters or more if you type your own." error={problem}>
        {(props) => <input {...props} class="input mono" autoComplete="off" spellcheck={false} value={password} onInput={(e) => setPassword(e.currentTarget.value)} />}
      </Field>
    </ConfirmDialog>
  );
}
