import { messageOf } from '../api';

/** An error the user should read, announced at once; `onRetry` adds a "Try again" button. */
export function ErrorBanner({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  if (error === undefined || error === null) return null;
  return (
    <div class="banner banner-error" role="alert">
      <div>
        {title ? <strong class="banner-title">{title}</strong> : null}
        <span>{messageOf(error)}</span>
      </div>
      {onRetry ? (
        <button type="button" class="button button-small" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
