/**
 * One big pull by an outside client, timed by the client itself: curl, or the bench's own Node
 * client in a fresh process (node-pull.ts says why). Row 5/5b and bench/floor/pull-floor.js
 * both pull this way, so their numbers compare.
 */
import { fileURLToPath } from 'node:url';
import { runCommand } from './collectors.js';
import { MiB } from './load-result.js';
import { ProtocolError } from './oci.js';

export type PullClient = 'curl' | 'Node client';

const nodePull = fileURLToPath(new URL('./node-pull.js', import.meta.url));

/**
 * MiB/s of one GET of `url` that must answer 200 with `bytes` bytes; the client's own transfer
 * time, so its start-up is not counted. `authorization` is sent as the Authorization header.
 */
export async function timedPull(client: PullClient, url: string, bytes: number, authorization?: string): Promise<number> {
  const run =
    client === 'curl'
      ? await runCommand(
          'curl',
          ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}', ...(authorization ? ['-H', `Authorization: ${authorization}`] : []), url],
          process.env,
          120_000,
        )
      : await runCommand(process.execPath, [nodePull, url], { ...process.env, ...(authorization ? { BENCH_PULL_AUTHORIZATION: authorization } : {}) }, 120_000);
  if (run.code !== 0) throw new ProtocolError(`${client} exited ${run.code}: ${run.stderr.trim().slice(0, 200)}`);
  const [status, size, seconds] = run.stdout.trim().split(' ');
  if (status !== '200') throw new ProtocolError(`${status} on GET big blob (${client})`);
  if (Number(size) !== bytes) throw new ProtocolError(`${client} got ${size} of ${bytes} bytes`);
  return bytes / MiB / Number(seconds);
}
