/**
 * A Ceph RGW of its own for fault tests that stop the gateway (test/support/ceph-rgw.ts's shared
 * one carries other tests): ../shared/s3/start-ceph-rgw.sh with its own CEPH_BASE and a block
 * of ten free loopback ports. stopGateway/startGateway end and restart only the radosgw
 * daemon; the monitor and OSD, and so every object, stay.
 */
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, here.includes(join('dist', 'test')) ? '../../../..' : '../../..');
const startScript = resolve(repoRoot, '..', 'shared', 's3', 'start-ceph-rgw.sh');

export interface PrivateRgw {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  stopGateway(): Promise<void>;
  startGateway(): Promise<void>;
  stop(): Promise<void>;
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const server = net.createServer();
    server.once('error', () => ok(false));
    server.listen(port, '127.0.0.1', () => server.close(() => ok(true)));
  });
}

/** The first of ten consecutive free ports (RGW, monitor, OSD messengers), away from 7480-7499. */
async function freeBlock(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 2_000) * 10;
    const ports = Array.from({ length: 10 }, (_, i) => base + i);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
  throw new Error('no block of ten free loopback ports for a private RGW');
}

async function answering(endpoint: string): Promise<boolean> {
  try {
    await (await fetch(endpoint, { signal: AbortSignal.timeout(1000) })).arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

export async function startPrivateRgw(): Promise<PrivateRgw> {
  const base = await mkdtemp(join(tmpdir(), 'berth-rgw-'));
  const port = await freeBlock();
  const env = {
    ...process.env,
    CEPH_BASE: base,
    RGW_PORT: String(port),
    MON_PORT: String(port + 1),
    PORT_MIN: String(port + 2),
    PORT_MAX: String(port + 9),
  };
  const stopAll = async () => {
    await run('bash', [startScript, 'stop'], { env }).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  };
  try {
    await run('bash', [startScript], { env, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    await stopAll();
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const pidFile = join(base, 'run', 'client.rgw.0.pid');
  return {
    endpoint,
    accessKey: 'testaccesskey',
    secretKey: 'testsecretkey',
    async stopGateway() {
      const pid = Number((await readFile(pidFile, 'utf8')).trim());
      process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 100 && (await answering(endpoint)); i++) await new Promise((r) => setTimeout(r, 100));
    },
    async startGateway() {
      // radosgw daemonizes itself; the child returns once it has forked.
      await new Promise<void>((ok, fail) => {
        const child = spawn('radosgw', ['-n', 'client.rgw.0'], { env: { ...env, CEPH_CONF: join(base, 'ceph.conf') }, stdio: 'ignore' });
        child.once('error', fail);
        child.once('close', () => ok());
      });
      const deadline = Date.now() + 60_000;
      while (!(await answering(endpoint))) {
        if (Date.now() > deadline) throw new Error('the private RGW did not answer again within 60 s');
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    stop: stopAll,
  };
}
