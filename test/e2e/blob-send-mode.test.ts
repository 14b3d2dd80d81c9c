/**
 * Which way `berth serve` sends a big blob depends on where the client is: sendfile(2) to a
 * client on another host, the addon's copy mode to one on this host (sendfile-send.ts says
 * why). A network namespace joined to this one by a veth pair plays the other host, with its
 * own address, as a container or a second machine would; curl pulls from there and from here,
 * and /metrics says which mode each pull took. Needs root (`ip netns`), as CI runs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { freePort, startBerth, type RegistryProcess } from '../support/registry-process.js';
import { randomBlob, sha256, uniqueRepo } from '../http/support/content.js';
import { client } from '../http/support/http-client.js';
import { pushBlob } from '../http/support/push.js';
import { run } from './support/run.js';

const MiB = 1024 * 1024;
const isRoot = process.getuid?.() === 0;
// Names and a /30 of our own per process, so two runs on one machine do not meet.
const id = process.pid % 10_000;
const ns = `berth-send-${id}`;
const hostSide = `bsnd${id}a`;
const nsSide = `bsnd${id}b`;
const subnet = `10.${200 + (id % 50)}.${(id >> 6) % 256}`;
const hostAddress = `${subnet}.1`;
const nsAddress = `${subnet}.2`;

async function ip(...args: string[]): Promise<void> {
  await run('ip', args, { timeoutMs: 10_000 });
}

async function sends(registry: RegistryProcess): Promise<{ sendfile: number; copy: number }> {
  const text = await (await fetch(`${registry.url}/metrics`)).text();
  const value = (mode: string): number => Number(new RegExp(`^berth_blob_native_sends_total\\{mode="${mode}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { sendfile: value('sendfile'), copy: value('copy') };
}

/** curl in `namespace` (or here) pulls the blob; returns the digest of what it got. */
function pull(url: string, namespace?: string): Promise<string> {
  const curl = ['curl', '-sS', '--fail', '--max-time', '60', '-o', '-', url];
  const child = namespace === undefined ? spawn(curl[0]!, curl.slice(1)) : spawn('ip', ['netns', 'exec', namespace, ...curl]);
  const hash = createHash('sha256');
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => hash.update(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(`sha256:${hash.digest('hex')}`) : reject(new Error(`curl exited ${code}: ${stderr}`))));
  });
}

describe('blob send mode by where the client is', { skip: isRoot ? false : 'needs root for ip netns (CI runs as root)' }, () => {
  let registry: RegistryProcess;
  let path: string;
  let digest: string;
  let small: string;

  before(async () => {
    await run('ip', ['netns', 'del', ns], { allowFailure: true });
    await ip('netns', 'add', ns);
    await ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide);
    await ip('link', 'set', nsSide, 'netns', ns);
    await ip('addr', 'add', `${hostAddress}/30`, 'dev', hostSide);
    await ip('link', 'set', hostSide, 'up');
    await ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nsAddress}/30`, 'dev', nsSide);
    await ip('netns', 'exec', ns, 'ip', 'link', 'set', nsSide, 'up');
    await ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    const port = await freePort();
    registry = await startBerth({ port, env: { REGISTRY_HTTP_ADDR: `0.0.0.0:${port}` } });
    const repo = uniqueRepo('send-mode');
    const blob = randomBlob(16 * MiB + 17);
    digest = sha256(blob);
    assert.equal(await pushBlob(client(registry.url), repo, blob), digest);
    small = await pushBlob(client(registry.url), repo, randomBlob(MiB));
    path = `/v2/${repo}/blobs/`;
  });

  after(async () => {
    await registry?.stop();
    // Deleting the namespace deletes the veth pair with it.
    await run('ip', ['netns', 'del', ns], { allowFailure: true });
  });

  test('a client on another host gets sendfile, one on this host the copy mode; both get the exact bytes', async () => {
    const port = new URL(registry.url).port;
    const start = await sends(registry);
    assert.ok(Number.isFinite(start.sendfile) && Number.isFinite(start.copy), 'berth_blob_native_sends_total missing from /metrics');

    assert.equal(await pull(`http://${hostAddress}:${port}${path}${digest}`, ns), digest);
    assert.deepEqual(await sends(registry), { sendfile: start.sendfile + 1, copy: start.copy }, 'the other host was not sent the blob with sendfile');

    assert.equal(await pull(`${registry.url}${path}${digest}`), digest);
    assert.deepEqual(await sends(registry), { sendfile: start.sendfile + 1, copy: start.copy + 1 }, 'a loopback client was not sent the blob in copy mode');

    // This host's own address at both ends: routed over loopback, so on this host too.
    assert.equal(await pull(`http://${hostAddress}:${port}${path}${digest}`), digest);
    assert.deepEqual(await sends(registry), { sendfile: start.sendfile + 1, copy: start.copy + 2 });

    // Below 4 MiB a client on this host gets sendfile too: the copy's buffer is not worth it.
    assert.equal(await pull(`${registry.url}${path}${small}`), small);
    assert.deepEqual(await sends(registry), { sendfile: start.sendfile + 2, copy: start.copy + 2 });
  });
});
