import { formatDateTime, formatRelative } from './format';

/** "3 hours ago" in a <time> element with the exact time on hover. Null renders `fallback`. */
export function RelativeTime({ value, fallback = 'never' }: { value: string | Date | null | undefined; fallback?: string }) {
  if (value === null || value === undefined || value === '') return <span class="muted">{fallback}</span>;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return <span class="muted">{String(value)}</span>;
  return (
    <time dateTime={date.toISOString()} title={formatDateTime(date)}>
      {formatRelative(date)}
    </time>
  );
}
