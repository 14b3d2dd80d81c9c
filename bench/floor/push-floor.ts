/**
 * What bounds the push rows on this machine: the same client and requests as rows 1 and 2
 * (POST, then PUT ?digest= with the body), sent to push-floor-server.ts, the least a Node.js
 * registry can do per push, without and with fsync. Compare its rate with Berth's and
 * Distribution's in the same run of `node dist/bench/run.js --only 1 --only 2`.
 *
 *   npx tsc -p . && node dist/bench/floor/push-floor.js [--quick]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/support/registry-process.js';
import { BlobFamily, patternBlob } from '../data.js';
import { HttpClient } from '../http-client.js';
import { Registry } from '../oci.js';
import { runPool } from '../pool.js';

const quick = process.argv.includes('--quick');
const SMALL = quick ? 256 : 2048;
const BIG = (quick ? 64 : 1024) * 1024 * 1024;
const server = fileURLToPath(new URL('./push-floor-server.js', import.meta.url));

/** The server's CPU seconds so far (all threads), from /proc. */
async function cpu(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function measure(env: Record<string, string>, label: string): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'berth-floor-'));
  const port = await freePort();
  const child = spawn(process.execPath, [server, root, String(port)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise((resolve, reject) => {
      child.stdout.once('data', resolve);
      child.once('exit', () => reject(new Error('push-floor-server exited')));
    });
    const registry = new Registry(new HttpClient(`http://127.0.0.1:${port}`, 32));
    const warm = new BlobFamily('floor-warm');
    await runPool({ concurrency: 32, count: 64, op: async (i) => (await registry.pushBlob('floor', warm.blob(i), 'post-put'), 0) });
    const family = new BlobFamily(`floor-${Date.now()}`);
    let before = await cpu(child.pid!);
    const small = await runPool({ concurrency: 32, count: SMALL, op: async (i) => (await registry.pushBlob('floor', family.blob(i), 'post-put'), 1024 * 1024) });
    const smallCpu = (await cpu(child.pid!)) - before;
    const big = patternBlob(BIG);
    before = await cpu(child.pid!);
    const started = performance.now();
    await registry.pushBlob('floor', big, 'post-put');
    const seconds = (performance.now() - started) / 1000;
    const bigCpu = (await cpu(child.pid!)) - before;
    const pushes = SMALL / (small.elapsedMs / 1000);
    console.log(
      `| ${label} | ${pushes.toFixed(0)} | ${((smallCpu * 1000) / SMALL).toFixed(2)} | ${(BIG / 1024 / 1024 / seconds).toFixed(0)} | ${((bigCpu * 1024 * 1024 * 1024) / BIG).toFixed(2)} |`,
    );
  } finally {
    child.kill();
    await rm(root, { recursive: true, force: true });
  }
}

console.log(`| floor server | 1 MiB pushes/s, c32 | server CPU ms per push | ${BIG / 1024 / 1024} MiB push, MiB/s | server CPU s per GiB |`);
console.log('|---|---:|---:|---:|---:|');
await measure({ FLOOR_BODY: 'discard' }, 'body read and dropped (loopback limit)');
await measure({ FLOOR_BODY: 'hash' }, 'body hashed, not stored');
await measure({ FLOOR_FSYNC: '0', FLOOR_WRITEBACK: '0' }, 'no fsync');
await measure({ FLOOR_FSYNC: '1', FLOOR_WRITEBACK: '0' }, 'fsync at the end');
await measure({ FLOOR_FSYNC: '1' }, 'fsync, write-back every 16 MiB');
process.exit(0);
