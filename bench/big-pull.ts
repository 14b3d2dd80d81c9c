/**
 * One big pull by an outside client, timed by the client itself: curl, or the bench's own Node
 * client in a fresh process (node-pull.ts says why). Row 5/5b and bench/floor/pull-floor.js
 * both pull this way, so their numbers compare.
 */
import { fileURLToPath } from 'node:url';
import { runCommand } from './collectors.js';
import { MiB } from './load-result.js';
import { ProtocolError } from './oci.js';

/**
 * 'Node client' runs node-pull as any Node program runs; 'Node client, heap kept' tells its
 * glibc to keep freed heap instead of handing it back to the kernel, which row 5b does:
 *
 * Each 64 KiB socket read is a new malloc'd buffer, freed in bulk when V8 collects. Once more
 * than 128 KiB at the top of the heap is free, glibc returns it to the kernel, and the next
 * reads fault it back in, zeroed. How often that happens depends on how the collections fall
 * between the reads, so it changes from pull to pull, and with how fast the server sends: one
 * 1 GiB pull from the same server took 13k–196k minor faults, and the client's system time and
 * wall time followed them. With the heap kept, 12k–15k faults every time.
 */
export type PullClient = 'curl' | 'Node client' | 'Node client, heap kept';

const HEAP_KEPT = { MALLOC_TRIM_THRESHOLD_: String(1024 * MiB), MALLOC_TOP_PAD_: String(64 * MiB) };

const nodePull = fileURLToPath(new URL('./node-pull.js', import.meta.url));

export interface TimedPull {
  mibPerSecond: number;
  /** The Node client's minor page faults over its whole run; undefined for curl. */
  clientFaults?: number;
}

/**
 * One GET of `url` that must answer 200 with `bytes` bytes, at the client's own transfer
 * rate, so its start-up is not counted. `authorization` is sent as the Authorization header.
 */
export async function timedPull(client: PullClient, url: string, bytes: number, authorization?: string): Promise<TimedPull> {
  const run =
    client === 'curl'
      ? await runCommand(
          'curl',
          ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}', ...(authorization ? ['-H', `Authorization: ${authorization}`] : []), url],
          process.env,
          120_000,
        )
      : await runCommand(
          process.execPath,
          [nodePull, url],
          { ...process.env, ...(client === 'Node client, heap kept' ? HEAP_KEPT : {}), ...(authorization ? { BENCH_PULL_AUTHORIZATION: authorization } : {}) },
          120_000,
        );
  if (run.code !== 0) throw new ProtocolError(`${client} exited ${run.code}: ${run.stderr.trim().slice(0, 200)}`);
  const [status, size, seconds, faults] = run.stdout.trim().split(' ');
  if (status !== '200') throw new ProtocolError(`${status} on GET big blob (${client})`);
  if (Number(size) !== bytes) throw new ProtocolError(`${client} got ${size} of ${bytes} bytes`);
  return { mibPerSecond: bytes / MiB / Number(seconds), ...(faults === undefined ? {} : { clientFaults: Number(faults) }) };
}
