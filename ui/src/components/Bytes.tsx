import { formatBytes } from './format';

/** A size, human-readable, with the exact byte count on hover. Null renders as "—". */
export function Bytes({ value }: { value: number | null | undefined }) {
  if (value === null || value === undefined) return <span class="muted">—</span>;
  return (
    <span class="bytes" title={`${value.toLocaleString()} bytes`}>
      {formatBytes(value)}
    </span>
  );
}
