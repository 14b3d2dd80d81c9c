/**
 * A modal question before something destructive. Built on <dialog>.showModal(), which makes the
 * rest of the page inert; Tab is also wrapped inside, Escape cancels, and focus goes back to
 * where it was. The first focus lands on Cancel, so Enter never deletes by accident.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel = 'Confirm',
  cancelLabel = 'Cancel',
  danger = false,
  busy = false,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children?: ComponentChildren;
  confirmLabel?: string;
  cancelLabel?: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      const returnTo = document.activeElement as HTMLElement | null;
      element.showModal();
      cancel.current?.focus();
      return () => {
        if (element.open) element.close();
        returnTo?.focus?.();
      };
    }
    return undefined;
  }, [open]);

  const trap = (event: KeyboardEvent) => {
    if (event.key !== 'Tab' || !dialog.current) return;
    const focusable = [...dialog.current.querySelectorAll<HTMLElement>('button:not([disabled]), [href], input:not([disabled]), select, textarea, [tabindex]:not([tabindex="-1"])')];
    if (focusable.length === 0) return;
    const first = focusable[0]!;
    const last = focusable[focusable.length - 1]!;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="confirm-dialog-title"
      onKeyDown={trap}
      onCancel={(event) => {
        // Escape: let the owner decide (it holds `open`), rather than the browser closing it.
        event.preventDefault();
        if (!busy) onCancel();
      }}
    >
      {open ? (
        <form
          method="dialog"
          class="dialog-body"
          onSubmit={(event) => {
            event.preventDefault();
            onConfirm();
          }}
        >
          <h2 id="confirm-dialog-title" class="dialog-title">
            {title}
          </h2>
          <div class="dialog-content">{children}</div>
          <div class="dialog-actions">
            <button ref={cancel} type="button" class="button" onClick={onCancel} disabled={busy}>
              {cancelLabel}
            </button>
            <button type="submit" class={`button ${danger ? 'button-danger' : 'button-primary'}`} disabled={busy}>
              {busy ? 'Working…' : confirmLabel}
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}
