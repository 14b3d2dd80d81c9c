/** Sign in with user name and password (POST /api/v1/session), then back to where the user was. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorBanner, Field, PageHeader } from '../components';
import { navigate, safeNext, useLocation } from '../router';
import { useSession } from '../session';

export function SignIn() {
  const session = useSession();
  const { query } = useLocation();
  const next = safeNext(query.get('next'));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => first.current?.focus(), []);
  useEffect(() => {
    if (session.user) navigate(next, { replace: true });
  }, [session.user]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!username.trim() || !password) {
      setError(new Error('Enter your user name and password.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await session.signIn(username.trim(), password);
      // The effect above moves on once the session holds the user.
    } catch (failure) {
      setError(failure);
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="narrow">
      <PageHeader title="Sign in" />
      <form class="card form" onSubmit={submit} noValidate>
        <ErrorBanner error={error} />
        <Field id="username" label="User name">
          {(props) => (
            <input
              {...props}
              ref={first}
              class="input"
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellcheck={false}
              required
              value={username}
              onInput={(event) => setUsername(event.currentTarget.value)}
            />
          )}
        </Field>
        <Field id="password" label="Password">
          {(props) => (
            <input
              {...props}
              class="input"
              type="password"
              name="password"
              autoComplete="current-password"
              required
              value={password}
              onInput={(event) => setPassword(event.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit" class="button button-primary button-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="muted small">
          Robot accounts and access tokens are for <code>docker login</code> and the API; sign in here with your user name
          and password.
        </p>
      </form>
    </div>
  );
}
