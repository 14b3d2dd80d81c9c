/**
 * /account/tokens: the signed-in user's personal access tokens — for docker login, scripts and the API
 * instead of the password. Create (the token is shown once), see when each was last used, revoke.
 */
import { useState } from 'preact/hooks';
import { api, enc } from '../../api';
import { CopyButton, EmptyState, ErrorBanner, Field, Loading, PageHeader, RelativeTime, Table, useToast, type Column } from '../../components';
import { Link } from '../../router';
import { useSession } from '../../session';
import { useApi } from '../../use-api';
import { EXPIRY_CHOICES } from './expiry';
import { SecretOnce } from './SecretOnce';
import type { SystemInfo, Token } from './types';
import { useAction } from './use-action';
import { useConfirm } from './use-confirm';

export function Tokens() {
  const { user } = useSession();
  const me = user!.name;
  const base = `/api/v1/users/${enc(me)}/tokens`;
  const tokens = useApi<{ tokens: Token[] }>(base);
  const system = useApi<SystemInfo>('/api/v1/system');
  const toast = useToast();
  const confirm = useConfirm();
  const create = useAction();
  const [name, setName] = useState('');
  const [expiresIn, setExpiresIn] = useState('90d');
  const [nameError, setNameError] = useState<string | null>(null);
  const [created, setCreated] = useState<(Token & { token: string }) | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    const value = name.trim();
    if (!value || value.length > 64) {
      setNameError('Name the token after where it is used (e.g. "laptop" or "ci"), at most 64 characters.');
      return;
    }
    setNameError(null);
    const token = await create.run(() => api.post<Token & { token: string }>(base, { name: value, ...(expiresIn ? { expiresIn } : {}) }));
    if (token) {
      setCreated(token);
      setName('');
      tokens.reload();
    }
  };

  const host = system.data?.registryHost ?? location.host;
  const columns: Column<Token>[] = [
    { key: 'name', header: 'Name', sortable: true, value: (t) => t.name, render: (t) => t.name },
    { key: 'created', header: 'Created', sortable: true, value: (t) => t.createdAt, render: (t) => <RelativeTime value={t.createdAt} /> },
    { key: 'used', header: 'Last used', sortable: true, descendingFirst: true, value: (t) => t.lastUsedAt ?? null, render: (t) => <RelativeTime value={t.lastUsedAt} /> },
    {
      key: 'expires',
      header: 'Expires',
      sortable: true,
      value: (t) => t.expiresAt ?? null,
      render: (t) =>
        !t.expiresAt ? <span class="muted">never</span> : new Date(t.expiresAt) < new Date() ? <span class="badge badge-danger">expired</span> : <RelativeTime value={t.expiresAt} />,
    },
    {
      key: 'revoke',
      header: <span class="visually-hidden">Actions</span>,
      className: 'actions',
      render: (t) => (
        <button
          type="button"
          class="button button-small button-danger-outline"
          aria-label={`Revoke ${t.name}`}
          onClick={() =>
            confirm.ask({
              title: `Revoke the token "${t.name}"?`,
              body: <p>Whatever uses it (a docker login, a script) is refused from now on. This cannot be undone.</p>,
              confirmLabel: 'Revoke token',
              action: async () => {
                await api.delete(`${base}/${enc(t.id)}`);
                toast.notify(`Token ${t.name} revoked`, 'success');
                tokens.reload();
              },
            })
          }
        >
          Revoke
        </button>
      ),
    },
  ];

  return (
    <>
      <PageHeader title="My access tokens" actions={<Link href="/account" class="button">Change password</Link>}>
        Use a token as the password for <code>docker login</code>, scripts and the API, so your password stays in your head.
      </PageHeader>
      {created ? (
        <SecretOnce title={`Token "${created.name}" created`} label="Access token" secret={created.token} onDone={() => setCreated(null)}>
          <p>Log in with:</p>
          <div class="secret-row">
            <code class="secret-command">{`docker login ${host} -u ${me}`}</code>
            <CopyButton text={`docker login ${host} -u ${me}`} label="Copy the login command" />
          </div>
        </SecretOnce>
      ) : (
        <form class="card form section" onSubmit={submit} noValidate aria-labelledby="new-token-title">
          <h2 id="new-token-title" class="form-title">Create a token</h2>
          <ErrorBanner error={create.error} title="The token was not created" />
          <div class="form-row">
            <Field id="token-name" label="Name" hint="Where it will be used." error={nameError}>
              {(props) => <input {...props} class="input" autoComplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} />}
            </Field>
            <Field id="token-expiry" label="Expires after">
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
            <button type="submit" class="button button-primary form-row-button" disabled={create.busy}>
              {create.busy ? 'Creating…' : 'Create token'}
            </button>
          </div>
        </form>
      )}
      {tokens.loading && !tokens.data ? (
        <Loading label="Loading tokens…" />
      ) : tokens.error ? (
        <ErrorBanner error={tokens.error} title="Tokens could not be loaded" onRetry={tokens.reload} />
      ) : (
        <Table
          caption="My access tokens"
          columns={columns}
          rows={tokens.data?.tokens ?? []}
          rowKey={(t) => t.id}
          empty={<EmptyState title="No access tokens">Create one above for docker login or a script.</EmptyState>}
        />
      )}
      {confirm.dialog}
    </>
  );
}
