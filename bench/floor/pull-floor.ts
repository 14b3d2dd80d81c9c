/**
 * What bounds row 5 (one 1 GiB pull with curl) on this machine. Distribution, Berth and four
 * floor servers (pull-floor-server.ts: memory, read, sendfile, copy) each serve the same 1 GiB body;
 * curl pulls it from each in turn, round after round, the order rotating every round, so all
 * six see the same machine. `memory` sends bytes it never reads from a file: no server can
 * hand curl more here, so it is the ceiling any ratio against Distribution has to fit under.
 * Each round then repeats the pulls with the bench's own Node client, a fresh process per pull,
 * twice: as any Node program runs, and with its heap kept as row 5b runs it (big-pull.ts says
 * why), with its page faults; the same `memory` server shows that client's ceiling.
 *
 *   npx tsc -p . && node dist/bench/floor/pull-floor.js [--quick] [--rounds N] [--addon LABEL=PATH]...
 *
 * --addon adds a bare sendfile server on another build of native/sendfile (another call size);
 * the build must have this checkout's interface (native-sendfile.ts), or the server refuses it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, startBerth, startDistribution, type RegistryProcess } from '../../test/support/registry-process.js';
import { runCommand } from '../collectors.js';
import { timedPull, type PullClient, type TimedPull } from '../big-pull.js';
import { cpuSeconds } from '../cpu-time.js';
import { patternBlob } from '../data.js';
import { HttpClient } from '../http-client.js';
import { median, MiB } from '../load-result.js';
import { Registry } from '../oci.js';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, rounds: { type: 'string' }, addon: { type: 'string', multiple: true } },
});
const BYTES = (values.quick ? 64 : 1024) * MiB;
const ROUNDS = Number(values.rounds ?? (values.quick ? 2 : 5));
const serverScript = fileURLToPath(new URL('./pull-floor-server.js', import.meta.url));

interface Server {
  label: string;
  url: string;
  pid: number;
  /** Every pull by each client: curl, the bench's Node client, and that client with its heap kept as row 5b runs it. */
  pulls: Record<PullClient, TimedPull[]>;
  /** The server's CPU seconds over the curl pulls. */
  cpu: number;
  stop(): Promise<unknown>;
}

const CLIENTS: readonly PullClient[] = ['curl', 'Node client', 'Node client, heap kept'];
const noPulls = (): Record<PullClient, TimedPull[]> => ({ curl: [], 'Node client': [], 'Node client, heap kept': [] });

async function startFloor(mode: string, file: string, addon?: { label: string; path: string }): Promise<Server> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [serverScript, file, String(port)], {
    env: { ...process.env, FLOOR_MODE: mode, ...(addon ? { FLOOR_ADDON: addon.path } : {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.stdout!.once('data', resolve);
    child.once('exit', () => reject(new Error(`pull-floor-server (${mode}) exited`)));
  });
  const stop = (): Promise<unknown> => new Promise((resolve) => (child.kill(), child.once('exit', resolve)));
  return { label: `floor: ${mode}${addon ? ` (${addon.label})` : ''}`, url: `http://127.0.0.1:${port}/blob`, pid: child.pid!, pulls: noPulls(), cpu: 0, stop };
}

async function registryServer(label: string, registry: RegistryProcess, digest: string): Promise<Server> {
  const client = new Registry(new HttpClient(registry.url, 1));
  await client.pushBlob('floor/big', patternBlob(BYTES), 'post-put');
  const url = `${registry.url}/v2/floor/big/blobs/${digest}`;
  return { label, url, pid: registry.child.pid!, pulls: noPulls(), cpu: 0, stop: () => registry.stop() };
}

/** The pattern blob written to a file of our own, for the floor servers to read. */
async function writeBlobFile(path: string): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (const part of patternBlob(BYTES).body.parts) await file.write(part);
  } finally {
    await file.close();
  }
}

/** One pull by `client`, recorded, and for curl the server's CPU during it. */
async function pull(server: Server, client: PullClient): Promise<void> {
  const before = await cpuSeconds(server.pid);
  server.pulls[client].push(await timedPull(client, server.url, BYTES));
  const after = await cpuSeconds(server.pid);
  if (client === 'curl') server.cpu += after.user + after.system - before.user - before.system;
}

const scratch = await mkdtemp(join(tmpdir(), 'berth-pull-floor-'));
const servers: Server[] = [];
try {
  const file = join(scratch, 'blob');
  await writeBlobFile(file);
  const digest = patternBlob(BYTES).digest;
  servers.push(await registryServer('Distribution', await startDistribution(), digest));
  servers.push(await registryServer('Berth', await startBerth(), digest));
  for (const mode of ['memory', 'read', 'sendfile', 'copy']) servers.push(await startFloor(mode, file));
  for (const spec of values.addon ?? []) {
    const [label, path] = spec.split('=');
    if (!label || !path) throw new Error(`--addon: expected LABEL=PATH to a build of berth_sendfile.node, got "${spec}"`);
    servers.push(await startFloor('sendfile', file, { label, path }));
  }
  // One untimed pull each, so every body is in the page cache before the first timed one.
  for (const server of servers) await runCommand('curl', ['-s', '-o', '/dev/null', server.url], process.env, 120_000);
  for (let round = 0; round < ROUNDS; round++) {
    for (const client of CLIENTS) {
      for (let i = 0; i < servers.length; i++) await pull(servers[(round + i) % servers.length]!, client);
    }
  }
  const rates = (s: Server, client: PullClient): number[] => s.pulls[client].map((p) => p.mibPerSecond);
  const range = (values: number[]) => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;
  /** Median, range and ratio to Distribution's median, and for a Node client its median faults. */
  const cells = (s: Server, client: PullClient): string[] => {
    const m = median(rates(s, client));
    const ratio = `${(m / median(rates(servers[0]!, client))).toFixed(2)}×`;
    const faults = client === 'curl' ? [] : [median(s.pulls[client].map((p) => p.clientFaults ?? NaN)).toFixed(0)];
    return [m.toFixed(0), range(rates(s, client)), ratio, ...faults];
  };
  console.log(`| server (${BYTES / MiB} MiB, ${ROUNDS} rounds) | curl: median MiB/s | range | ÷ Distribution | server CPU s per GiB (curl) | Node client: median MiB/s | range | ÷ Distribution | its faults, median | heap kept: median MiB/s | range | ÷ Distribution | its faults, median |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of servers) {
    const cpuPerGiB = (s.cpu / s.pulls.curl.length) * ((1024 * MiB) / BYTES);
    const [curl, ...rest] = [cells(s, 'curl'), cells(s, 'Node client'), cells(s, 'Node client, heap kept')];
    console.log(`| ${[s.label, ...curl!, cpuPerGiB.toFixed(2), ...rest.flat()].join(' | ')} |`);
  }
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  await rm(scratch, { recursive: true, force: true });
}
process.exit(0);
