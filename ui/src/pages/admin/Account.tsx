/** /account: the signed-in user changes their password (the current one is asked for). */
import { useState } from 'preact/hooks';
import { api, enc } from '../../api';
import { ErrorBanner, Field, PageHeader, useToast } from '../../components';
import { Link, navigate } from '../../router';
import { useSession } from '../../session';
import { useAction } from './use-action';
import { passwordProblem } from './Users';

export function Account() {
  const session = useSession();
  const me = session.user!;
  const toast = useToast();
  const save = useAction();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [errors, setErrors] = useState<{ current?: string | null; next?: string | null; again?: string | null }>({});

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = {
      current: current ? null : 'Enter your current password.',
      next: passwordProblem(next),
      again: next === again ? null : 'The two new passwords differ.',
    };
    setErrors(found);
    if (found.current || found.next || found.again) return;
    const ok = await save.run(async () => (await api.patch(`/api/v1/users/${enc(me.name)}`, { password: next, currentPassword: current }), true));
    setCurrent('');
    if (ok) {
      // The server ends every session of the user with the old password, this one included.
      toast.notify('Password changed: sign in with your new password.', 'success');
      await session.refresh();
      navigate('/sign-in?next=%2Faccount', { replace: true });
    }
  };

  return (
    <div class="narrow-wide">
      <PageHeader title="My account" actions={<Link href="/account/tokens" class="button">My access tokens</Link>}>
        Signed in as <strong>{me.name}</strong>
        {me.systemAdmin ? ' (system admin)' : ''}.
      </PageHeader>
      <form class="card form" onSubmit={submit} noValidate aria-labelledby="password-title">
        <h2 id="password-title" class="form-title">Change password</h2>
        <p class="muted small">Changing it signs you out everywhere, here too; personal access tokens keep working.</p>
        <ErrorBanner error={save.error} title="The password was not changed" />
        <Field id="current-password" label="Current password" error={errors.current}>
          {(props) => <input {...props} class="input" type="password" autoComplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />}
        </Field>
        <Field id="new-password" label="New password" hint="12 characters or more." error={errors.next}>
          {(props) => <input {...props} class="input" type="password" autoComplete="new-password" value={next} onInput={(e) => setNext(e.currentTarget.value)} />}
        </Field>
        <Field id="new-password-again" label="New password again" error={errors.again}>
          {(props) => <input {...props} class="input" type="password" autoComplete="new-password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} />}
        </Field>
        <div>
          <button type="submit" class="button button-primary" disabled={save.busy}>
            {save.busy ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </div>
  );
}
