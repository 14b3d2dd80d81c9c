/**
 * Three instances behind nginx used as one registry: skopeo pushes and pulls through the proxy,
 * a token issued by one instance is honoured by the others, a chunked upload whose PATCHes land
 * on different instances completes, failed logins spread over the instances still throttle,
 * and a changed password stops working everywhere within the stated bound.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { assertLayoutMatches } from '../e2e/support/assertions.js';
import { containersTools, type ContainersTools } from '../e2e/support/containers-tools.js';
import { hostPlatform, type TestImage } from '../e2e/support/image-layouts.js';
import { jsonBytes, mediaTypes, OciLayoutWriter } from '../e2e/support/oci-layout.js';
import type { Target } from '../e2e/support/registry-under-test.js';
import { basic, withHeaders } from '../http/support/auth.js';
import { randomBlob, sha256, uniqueRepo } from '../http/support/content.js';
import { client, expectError, expectStatus, json, type Client } from '../http/support/http-client.js';
import { pushImage, startUpload, withDigest } from '../http/support/push.js';
import { ADMIN, ADMIN_PASSWORD, FREE_FAILURES, startScaleOut, type ScaleOutStack } from './support/scale-out-stack.js';

const MiB = 1024 * 1024;

let stack: ScaleOutStack;
let dir: string;
/** Through nginx, as admin with Basic. */
let admin: Client;

before(async () => {
  stack = await startScaleOut({ label: 'clients' });
  dir = await mkdtemp(join(tmpdir(), 'berth-scale-clients-'));
  admin = withHeaders(client(stack.nginx.url), { authorization: basic(ADMIN, ADMIN_PASSWORD) });
});

after(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const direct = (i: number) => client(stack.instances[i]!.url);

async function tokenFrom(c: Client, user: string, password: string, scope: string): Promise<{ status: number; token?: string; upstream: string | null }> {
  const reply = await c.get(`/token?service=berth&scope=${encodeURIComponent(scope)}`, { headers: { authorization: basic(user, password) } });
  return { status: reply.status, token: reply.status === 200 ? json<{ token: string }>(reply).token : undefined, upstream: reply.headers.get('x-upstream') };
}

async function addUser(name: string, password: string): Promise<void> {
  await stack.cli(['user', 'add', name, '--password-stdin'], password);
}

describe('three instances behind nginx', () => {
  test('/readyz on every instance reports the shared database and bucket', async () => {
    for (let i = 0; i < 3; i++) {
      const reply = await direct(i).get('/readyz');
      expectStatus(reply, 200);
      assert.deepEqual(json(reply), { status: 'ready', checks: { database: 'ok', objectStore: 'ok' } });
    }
  });

  test('skopeo pushes an image with a multi-part layer through nginx and pulls it back byte-identical', async () => {
    const layout = new OciLayoutWriter(join(dir, 'image'));
    const layer = await layout.addBlob(mediaTypes.ociLayerGzip, gzipSync(randomBytes(7 * MiB), { level: 1 }));
    const small = await layout.addBlob(mediaTypes.ociLayerGzip, gzipSync(randomBytes(4096)));
    const config = await layout.addBlob(mediaTypes.ociConfig, jsonBytes({ ...hostPlatform(), rootfs: { type: 'layers', diff_ids: [] } }));
    const bytes = jsonBytes({ schemaVersion: 2, mediaType: mediaTypes.ociManifest, config, layers: [layer, small] });
    const top = await layout.addBlob(mediaTypes.ociManifest, bytes);
    layout.tag(top, 'v1');
    await layout.finish();
    const image: TestImage = { dir: layout.dir, ref: 'v1', top, bytes, children: [], reachable: [config.digest, layer.digest, small.digest] };
    const target = { host: stack.nginx.host, transport: 'plain', ca: undefined } as unknown as Target;
    const tools: ContainersTools = await containersTools(join(dir, 'containers'), target);
    const creds = `${ADMIN}:${ADMIN_PASSWORD}`;
    await tools.skopeo(['copy', '--quiet', '--preserve-digests', '--dest-creds', creds, `oci:${image.dir}:v1`, `docker://${stack.nginx.host}/scale/app:v1`]);
    const back = join(dir, 'pulled');
    await tools.skopeo(['copy', '--quiet', '--preserve-digests', '--src-creds', creds, `docker://${stack.nginx.host}/scale/app:v1`, `oci:${back}:v1`]);
    await assertLayoutMatches(back, image);
    // Every instance serves it, not only the one that took the manifest.
    for (let i = 0; i < 3; i++) {
      const reply = await withHeaders(direct(i), { authorization: basic(ADMIN, ADMIN_PASSWORD) }).head(`/v2/scale/app/manifests/v1`, {
        headers: { accept: mediaTypes.ociManifest },
      });
      expectStatus(reply, 200, `instance ${i}`);
      assert.equal(reply.headers.get('docker-content-digest'), top.digest);
    }
  });

  test('a token issued by one instance is accepted by the others', async () => {
    const repo = uniqueRepo('scale/token');
    const issued = await tokenFrom(direct(0), ADMIN, ADMIN_PASSWORD, `repository:${repo}:push,pull`);
    assert.equal(issued.status, 200);
    for (const i of [1, 2]) {
      const bearer = withHeaders(direct(i), { authorization: `Bearer ${issued.token}` });
      expectStatus(await bearer.get('/v2/'), 200, `GET /v2/ on instance ${i}`);
      const image = await pushImage(bearer, repo, `from-${i}`);
      const back = await bearer.get(`/v2/${repo}/blobs/${image.layers[0]!.digest}`);
      expectStatus(back, 200);
      assert.equal(sha256(back.body), image.layers[0]!.digest);
    }
  });

  test('a chunked upload whose PATCHes land on different instances completes with the right digest', async () => {
    const repo = uniqueRepo('scale/chunks');
    const chunks = [randomBlob(2 * MiB), randomBlob(6 * MiB), randomBlob(1), randomBlob(3 * MiB)];
    const whole = Buffer.concat(chunks);
    const digest = sha256(whole);
    let location = await startUpload(admin, repo);
    const upstreams: string[] = [];
    let offset = 0;
    for (const chunk of chunks) {
      const url = new URL(location, stack.nginx.url);
      const reply = await admin.patch(`${url.pathname}${url.search}`, {
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}` },
        body: chunk,
      });
      expectStatus(reply, 202, `PATCH at ${offset}`);
      upstreams.push(reply.headers.get('x-upstream') ?? '');
      offset += chunk.length;
      location = reply.headers.get('location') ?? location;
    }
    assert.ok(new Set(upstreams).size >= 2, `the PATCHes went to ${upstreams.join(', ')}`);
    const url = new URL(location, stack.nginx.url);
    const done = await admin.put(withDigest(`${url.pathname}${url.search}`, digest));
    expectStatus(done, 201);
    for (let i = 0; i < 3; i++) {
      const back = await withHeaders(direct(i), { authorization: basic(ADMIN, ADMIN_PASSWORD) }).get(`/v2/${repo}/blobs/${digest}`);
      expectStatus(back, 200);
      assert.equal(sha256(back.body), digest, `instance ${i}`);
    }
  });

  test('a second writer on another instance is refused while the first PATCH of a session is still streaming', async () => {
    const repo = uniqueRepo('scale/lock');
    const location = await startUpload(admin, repo);
    const url = new URL(location, stack.nginx.url);
    const path = `${url.pathname}${url.search}`;
    const first = randomBlob(64 * 1024);
    // A slow PATCH straight to instance 0: half the body, a pause, the rest.
    const slow = new Promise<number>((resolve, reject) => {
      const request = http.request(`${stack.instances[0]!.url}${path}`, {
        method: 'PATCH',
        headers: { authorization: basic(ADMIN, ADMIN_PASSWORD), 'content-type': 'application/octet-stream', 'content-length': first.length },
      });
      request.on('response', (response) => (response.resume(), resolve(response.statusCode ?? 0)));
      request.on('error', reject);
      request.write(first.subarray(0, 1024));
      setTimeout(() => request.end(first.subarray(1024)), 1500);
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const other = await withHeaders(direct(1), { authorization: basic(ADMIN, ADMIN_PASSWORD) }).patch(path, {
      headers: { 'content-type': 'application/octet-stream', 'content-range': `0-1023` },
      body: randomBlob(1024),
    });
    const error = expectError(other, 400, 'BLOB_UPLOAD_INVALID');
    assert.match(error.message, /another request is writing this upload/);
    assert.equal(await slow, 202);
    const done = await admin.put(withDigest(path, sha256(first)));
    expectStatus(done, 201, 'the first writer\'s bytes are the blob');
  });

  test('failed logins spread over the instances throttle the account at that address on all of them', async () => {
    await addUser('carol', 'carol-password-1');
    const nginx = client(stack.nginx.url);
    const perUpstream = new Map<string, number>();
    for (let i = 0; i <= FREE_FAILURES; i++) {
      const failed = await tokenFrom(nginx, 'carol', 'wrong-password', 'registry:catalog:*');
      assert.equal(failed.status, 401);
      perUpstream.set(failed.upstream ?? '', (perUpstream.get(failed.upstream ?? '') ?? 0) + 1);
    }
    assert.ok(perUpstream.size >= 2, `the failures went to ${[...perUpstream.keys()].join(', ')}`);
    assert.ok(Math.max(...perUpstream.values()) <= FREE_FAILURES, 'no instance saw more than the free failures by itself');
    // The right password now waits, whichever instance answers (the backoff is 1 s).
    for (let i = 0; i < 3; i++) {
      const reply = await direct(i).get('/token?service=berth', { headers: { authorization: basic('carol', 'carol-password-1'), 'x-forwarded-for': '127.0.0.1' } });
      assert.equal(reply.status, 429, `instance ${i}: ${reply.text}`);
      assert.ok(Number(reply.headers.get('retry-after')) >= 1);
    }
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await tokenFrom(nginx, 'carol', 'carol-password-1', 'registry:catalog:*')).status, 200, 'after the wait the password works');
  });

  test('a password changed through one instance is refused by every instance within 5 s', async () => {
    await addUser('dave', 'dave-password-1');
    // Warm every instance's short memo of Basic logins on /v2 with the old password.
    for (let i = 0; i < 3; i++) expectStatus(await direct(i).get('/v2/', { headers: { authorization: basic('dave', 'dave-password-1') } }), 200);
    const changed = await client(stack.nginx.url).patch('/api/v1/users/dave', {
      headers: { authorization: basic('dave', 'dave-password-1'), 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'dave-password-2', currentPassword: 'dave-password-1' }),
    });
    expectStatus(changed, 200, 'password change');
    const at = Date.now();
    // Each probe from its own address (nginx's loopback peer is a trusted proxy, so the header
    // is believed): the old password is a failed login, and enough of them from one address
    // would be answered 429 by the throttle, shared across the instances, instead of 401.
    let probe = 0;
    const old = () => ({ authorization: basic('dave', 'dave-password-1'), 'x-forwarded-for': `198.51.100.${++probe}` });
    for (let i = 0; i < 3; i++) {
      const token = await direct(i).get('/token?service=berth', { headers: old() });
      assert.equal(token.status, 401, `/token on instance ${i} at once`);
      const api = await direct(i).get('/api/v1/users/dave', { headers: old() });
      assert.equal(api.status, 401, `/api/v1 on instance ${i} at once`);
    }
    for (let i = 0; i < 3; i++) {
      for (;;) {
        const reply = await direct(i).get('/v2/', { headers: old() });
        if (reply.status === 401) break;
        assert.equal(reply.status, 200);
        assert.ok(Date.now() - at < 5500, `instance ${i} still took the old password on /v2 after ${Date.now() - at} ms`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expectStatus(await direct(i).get('/v2/', { headers: { authorization: basic('dave', 'dave-password-2') } }), 200, `new password on ${i}`);
    }
  });
});
