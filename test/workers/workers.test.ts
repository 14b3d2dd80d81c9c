/**
 * `berth serve --workers 2` on the embedded default (SQLite, blob tree): real processes, real
 * sockets. What one process used to keep to itself must hold across its workers: an upload's
 * chunks may land on either, failed logins count on both, the scheduled collection runs once
 * per interval, /metrics reports the whole server, a killed worker is replaced (and a crash loop
 * stops the server), and SIGTERM lets every worker finish its requests.
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { basic } from '../http/support/auth.js';
import { randomBlob, sha256, uniqueRepo } from '../http/support/content.js';
import { slowPatch, startWorkers, workerHolding, type WorkersServer } from './support/workers-server.js';

const MiB = 1024 * 1024;
const started: WorkersServer[] = [];

after(async () => {
  for (const server of started) await server.registry.stop();
});

async function start(options: Parameters<typeof startWorkers>[0] = {}): Promise<WorkersServer> {
  const server = await startWorkers(options);
  started.push(server);
  return server;
}

async function startUpload(server: WorkersServer, repo: string): Promise<string> {
  const reply = await server.fresh('POST', `/v2/${repo}/blobs/uploads/`);
  assert.equal(reply.status, 202, reply.body.toString());
  return String(reply.headers.location);
}

function withDigest(location: string, digest: string): string {
  return `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}

/** Sums a counter's samples in an exposition. */
function total(exposition: string, name: string): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}


/**
 * Waits until the worker is writing the PATCH's bytes (its staging file has `bytes`): only then
 * is the request in flight there, rather than still in a socket buffer.
 */
async function staged(server: WorkersServer, location: string, bytes: number): Promise<void> {
  const id = new URL(location, server.registry.url).pathname.split('/').pop()!;
  const file = join(server.registry.root, 'uploads', id);
  for (let i = 0; i < 300; i++) {
    const size = await stat(file).then((s) => s.size, () => 0);
    if (size >= bytes) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the PATCH of ${id} did not reach its staging file within 15 s`);
}

/** A slow PATCH held open on a worker `want` accepts (new connections until one lands there). */
async function patchOnWorker(server: WorkersServer, repo: string, body: Buffer, want: (pid: number) => boolean) {
  for (let attempt = 0; attempt < 6; attempt++) {
    const location = await startUpload(server, repo);
    const patch = await slowPatch(server.registry.url, location, body, MiB);
    let pid: number | undefined;
    for (let i = 0; i < 50 && pid === undefined; i++) {
      pid = workerHolding(server.registry.port, patch.clientPort, server.workerPids());
      if (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (pid !== undefined && want(pid)) {
      await staged(server, location, MiB / 2);
      return { location, patch, pid };
    }
    patch.finish();
    await patch.answer;
    // Connections are dealt out in turn and each attempt makes two (POST, PATCH): one more
    // request shifts the next PATCH to the other worker.
    await server.fresh('GET', '/v2/');
  }
  throw new Error('no connection reached the wanted worker in six tries');
}

describe('berth serve --workers 2 (SQLite, filesystem)', () => {
  test('a chunked upload whose PATCHes land on different workers completes with the right digest', async () => {
    const server = await start({ env: { REGISTRY_AUTH: 'none' } });
    const repo = uniqueRepo('workers/chunks');
    // Distinct sizes, so each PATCH can be found in the request log by the bytes it carried.
    const chunks = [randomBlob(2 * MiB + 1), randomBlob(3 * MiB + 7), randomBlob(5), randomBlob(1 * MiB + 3)];
    const whole = Buffer.concat(chunks);
    let location = await startUpload(server, repo);
    let offset = 0;
    for (const chunk of chunks) {
      const reply = await server.fresh('PATCH', location, {
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}` },
        body: chunk,
      });
      assert.equal(reply.status, 202, `PATCH at ${offset}: ${reply.body.toString()}`);
      offset += chunk.length;
      location = String(reply.headers.location);
    }
    const done = await server.fresh('PUT', withDigest(location, sha256(whole)));
    assert.equal(done.status, 201, done.body.toString());
    for (let i = 0; i < 2; i++) {
      const back = await server.fresh('GET', `/v2/${repo}/blobs/${sha256(whole)}`);
      assert.equal(back.status, 200);
      assert.equal(sha256(back.body), sha256(whole));
    }
    const sizes = new Set(chunks.map((c) => c.length));
    const patches = await server.logged((r) => r.method === 'PATCH' && sizes.has(r.bytesIn), 4);
    assert.equal(patches.length, 4);
    assert.equal(new Set(patches.map((p) => p.worker)).size, 2, `the PATCHes went to workers ${patches.map((p) => p.worker).join(', ')}`);
  });

  test('/metrics on either worker reports the requests of both', async () => {
    const server = await start({ env: { REGISTRY_AUTH: 'none' } });
    for (let i = 0; i < 7; i++) assert.equal((await server.fresh('GET', '/v2/')).status, 200);
    const served = await server.logged(() => true, 7);
    assert.equal(new Set(served.map((r) => r.worker)).size, 2, 'the requests reached both workers');
    const first = (await server.fresh('GET', '/metrics')).body.toString();
    const second = (await server.fresh('GET', '/metrics')).body.toString();
    assert.equal(total(first, 'berth_http_requests_total'), served.length);
    // The second scrape counts the first, whichever worker answered each.
    assert.equal(total(second, 'berth_http_requests_total'), served.length + 1);
    const scrapes = await server.logged((r) => r.route === '/metrics', 2);
    assert.equal(new Set(scrapes.map((r) => r.worker)).size, 2, 'each worker answered one scrape');
  });

  test('failed logins spread over both workers throttle the account on both', async () => {
    const server = await start({
      auth: 'builtin',
      env: { BERTH_ADMIN_PASSWORD: 'admin-password-1', REGISTRY_AUTH_BUILTIN_LOGINTHROTTLE_FREEFAILURES: '3' },
    });
    const token = (password: string) => server.fresh('GET', '/token?service=berth', { headers: { authorization: basic('admin', password) } });
    for (let i = 0; i < 4; i++) assert.equal((await token('wrong-password')).status, 401);
    const right = [await token('admin-password-1'), await token('admin-password-1')];
    for (const reply of right) {
      assert.equal(reply.status, 429, reply.body.toString());
      assert.ok(Number(reply.headers['retry-after']) >= 1);
    }
    const logins = await server.logged((r) => r.method === 'GET' && r.route.includes('token'), 6);
    const failedOn = logins.filter((r) => r.status === 401).map((r) => r.worker);
    assert.equal(new Set(failedOn).size, 2, `failures on workers ${failedOn.join(', ')}`);
    assert.ok(Math.max(...[...new Set(failedOn)].map((w) => failedOn.filter((x) => x === w).length)) <= 3, 'no worker saw more than the free failures by itself');
    assert.equal(new Set(logins.filter((r) => r.status === 429).map((r) => r.worker)).size, 2, 'both workers refused the right password');
  });

  test('the scheduled collection runs once per interval across the workers', async () => {
    const server = await start({ env: { REGISTRY_AUTH: 'none', BERTH_LIFECYCLE_GC_INTERVAL: '2s' } });
    const from = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    const runs = total((await server.fresh('GET', '/metrics')).body.toString(), 'berth_gc_runs_total');
    const intervals = (Date.now() - from) / 2000;
    // Each worker's timer fires every interval; alone they would run about twice as often.
    assert.ok(runs >= 2 && runs <= Math.ceil(intervals) + 1, `${runs} collections in ${intervals.toFixed(1)} intervals`);
  });

  test('kill -9 of the worker holding a push: the client pushes again, the other worker finishes its own, a new worker replaces it', async () => {
    const server = await start({ env: { REGISTRY_AUTH: 'none' } });
    const repo = uniqueRepo('workers/kill');
    const doomed = randomBlob(3 * MiB);
    const kept = randomBlob(3 * MiB + 1);
    const victim = await patchOnWorker(server, repo, doomed, () => true);
    const survivor = await patchOnWorker(server, repo, kept, (pid) => pid !== victim.pid);
    process.kill(victim.pid, 'SIGKILL');
    victim.patch.finish();
    survivor.patch.finish();
    assert.equal(typeof (await victim.patch.answer), 'string', 'the killed worker\'s PATCH broke');
    assert.equal(await survivor.patch.answer, 202);
    // What a client does on a broken upload: start again.
    const again = await startUpload(server, repo);
    const pushed = await server.fresh('PUT', withDigest(again, sha256(doomed)), { headers: { 'content-type': 'application/octet-stream' }, body: doomed });
    assert.equal(pushed.status, 201, pushed.body.toString());
    const closed = await server.fresh('PUT', withDigest(survivor.location, sha256(kept)));
    assert.equal(closed.status, 201, closed.body.toString());
    const workers = await server.waitForWorkers(2, [victim.pid]);
    assert.ok(!workers.includes(victim.pid));
    assert.match(server.registry.output(), /a worker exited unexpectedly; starting another/);
    for (const blob of [doomed, kept]) {
      for (let i = 0; i < 2; i++) {
        const back = await server.fresh('GET', `/v2/${repo}/blobs/${sha256(blob)}`);
        assert.equal(back.status, 200);
        assert.equal(sha256(back.body), sha256(blob));
      }
    }
  });

  test('SIGTERM lets every worker finish its request in flight, then the server exits 0', async () => {
    const server = await start({ env: { REGISTRY_AUTH: 'none' } });
    const repo = uniqueRepo('workers/drain');
    const one = await patchOnWorker(server, repo, randomBlob(2 * MiB), () => true);
    const two = await patchOnWorker(server, repo, randomBlob(2 * MiB), (pid) => pid !== one.pid);
    const exited = new Promise<number | null>((resolve) => server.registry.child.once('exit', (code) => resolve(code)));
    server.registry.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 700));
    one.patch.finish();
    two.patch.finish();
    assert.deepEqual([await one.patch.answer, await two.patch.answer], [202, 202]);
    assert.equal(await exited, 0);
    assert.equal(server.registry.output().match(/"msg":"stopped"/g)?.length, 3, 'both workers and the supervisor stopped cleanly');
  });

  // node:cluster's rule (a worker exits when its channel to the primary closes), held here
  // because serving on unsupervised would leave the port answered by no restartable server.
  test('workers whose supervisor is killed -9 stop rather than serve on unsupervised', async () => {
    const server = await start({ env: { REGISTRY_AUTH: 'none' } });
    const workers = server.workerPids();
    assert.equal(workers.length, 2);
    server.registry.child.kill('SIGKILL');
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 200 && workers.some(alive); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(workers.filter(alive), [], 'every worker exited within 10 s');
  });

  test('a crash loop stops the server with exit 1 and says so', async () => {
    const server = await start({ env: { REGISTRY_AUTH: 'none' } });
    const exited = new Promise<number | null>((resolve) => server.registry.child.once('exit', (code) => resolve(code)));
    const killed: number[] = [];
    for (let i = 0; i < 6; i++) {
      const [pid] = await server.waitForWorkers(2, killed);
      killed.push(pid!);
      process.kill(pid!, 'SIGKILL');
    }
    assert.equal(await exited, 1);
    assert.match(server.registry.output(), /workers keep exiting \(6 in 60 s\); stopping the server/);
  });
});
