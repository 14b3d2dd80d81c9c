/**
 * Short notices ("Tag deleted", "Copied") in one live region: useToast().notify(message, kind).
 * Errors stay until dismissed; the rest fade after a few seconds.
 */
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useMemo, useState } from 'preact/hooks';

export type ToastKind = 'info' | 'success' | 'error';
interface Notice {
  id: number;
  message: string;
  kind: ToastKind;
}
export interface Toasts {
  notify(message: string, kind?: ToastKind): void;
}

const ToastContext = createContext<Toasts>({ notify: () => undefined });
let nextId = 1;

export function ToastProvider({ children }: { children: ComponentChildren }) {
  const [notices, setNotices] = useState<Notice[]>([]);
  const dismiss = useCallback((id: number) => setNotices((list) => list.filter((n) => n.id !== id)), []);
  const toasts = useMemo<Toasts>(
    () => ({
      notify(message, kind = 'info') {
        const id = nextId++;
        setNotices((list) => [...list.slice(-4), { id, message, kind }]);
        if (kind !== 'error') setTimeout(() => dismiss(id), 5000);
      },
    }),
    [dismiss],
  );
  return (
    <ToastContext.Provider value={toasts}>
      {children}
      <div class="toasts" role="status" aria-live="polite">
        {notices.map((notice) => (
          <div key={notice.id} class={`toast toast-${notice.kind}`}>
            <span>{notice.message}</span>
            <button type="button" class="toast-close" aria-label="Dismiss" onClick={() => dismiss(notice.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): Toasts {
  return useContext(ToastContext);
}
