import type { ComponentChildren } from 'preact';

/** What a list shows when there is nothing in it: a title, a sentence, maybe an action. */
export function EmptyState({ title, children, action }: { title: string; children?: ComponentChildren; action?: ComponentChildren }) {
  return (
    <div class="empty-state">
      <p class="empty-state-title">{title}</p>
      {children ? <div class="empty-state-body">{children}</div> : null}
      {action ? <div class="empty-state-action">{action}</div> : null}
    </div>
  );
}
