/** Bytes used against a quota as a <meter> (no inline style: the CSP forbids it), or just bytes. */
import { formatBytes } from '../../components';

export function Quota({ used, quota, label }: { used: number; quota: number | null; label: string }) {
  if (quota === null || quota <= 0) return <span class="muted">No quota</span>;
  const percent = Math.round((used / quota) * 100);
  return (
    <span class="quota">
      <meter min={0} max={quota} value={Math.min(used, quota)} low={quota * 0.8} high={quota * 0.95} optimum={0} aria-label={`${label}: ${percent}% of the quota used`} />
      <span class="small">
        {percent}% of {formatBytes(quota)}
      </span>
    </span>
  );
}
