/**
 * One ConfirmDialog per page for every destructive action on it:
 *   const confirm = useConfirm();  …  confirm.ask({title, body, confirmLabel, action})  …  {confirm.dialog}
 * The dialog stays open while `action` runs and shows its error, so a refusal is read where it
 * was asked for rather than in a toast that may vanish.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ConfirmDialog, ErrorBanner } from '../../components';

export interface Ask {
  title: string;
  body: ComponentChildren;
  confirmLabel: string;
  /** Red confirm button; true unless said otherwise. */
  danger?: boolean;
  action: () => Promise<void>;
}

export function useConfirm() {
  const [pending, setPending] = useState<Ask | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const close = () => {
    setPending(null);
    setError(undefined);
  };
  const confirm = async () => {
    if (!pending) return;
    setBusy(true);
    setError(undefined);
    try {
      await pending.action();
      close();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const dialog = (
    <ConfirmDialog
      open={pending !== null}
      title={pending?.title ?? ''}
      confirmLabel={pending?.confirmLabel}
      danger={pending?.danger ?? true}
      busy={busy}
      onConfirm={confirm}
      onCancel={close}
    >
      <ErrorBanner error={error} />
      {pending?.body}
    </ConfirmDialog>
  );
  return { ask: (ask: Ask) => setPending(ask), dialog };
}
