// GET / HEAD / PUT / DELETE /v2/<name>/manifests/<reference>: every supported schema, byte-exact
// storage, reference validation against the repository, size limit, and deletes.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  DOCKER_CONFIG,
  DOCKER_LAYER,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_LAYER,
  OCI_MANIFEST,
  descriptorOf,
  imageManifest,
  indexManifest,
  randomBlob,
  sha256,
  sha512,
  uniqueRepo,
  unknownDigest,
  type Descriptor,
} from './support/content.js';
import { client, expectError, expectStatus, json, type Client, type Reply } from './support/http-client.js';
import { pushBlob, pushImage, pushManifest, type PushedImage } from './support/push.js';
import { chunkedRequest } from './support/raw-http.js';

const MAX_MANIFEST = 4 * 1024 * 1024;

function assertManifestHeaders(reply: Reply, pushed: { digest: string; body: Buffer; mediaType: string }): void {
  expectStatus(reply, 200);
  assert.equal(reply.headers.get('content-type'), pushed.mediaType);
  assert.equal(reply.headers.get('content-length'), String(pushed.body.length));
  assert.equal(reply.headers.get('docker-content-digest'), pushed.digest);
}

describe('manifests', () => {
  let server: TestServer;
  let c: Client;
  before(async () => {
    server = await startTestServer();
    c = client(server.url);
  });
  after(() => server.close());

  async function put(repo: string, reference: string, body: Buffer | string, contentType = OCI_MANIFEST): Promise<Reply> {
    return c.put(`/v2/${repo}/manifests/${reference}`, { headers: { 'content-type': contentType }, body });
  }

  /** Config and one layer pushed into `repo`, for hand-written manifests. */
  async function parts(repo: string): Promise<{ config: Descriptor; layer: Descriptor }> {
    const configBytes = Buffer.from(JSON.stringify({ os: 'linux', n: randomBlob(4).toString('hex') }));
    const layerBytes = randomBlob(300);
    await pushBlob(c, repo, configBytes);
    await pushBlob(c, repo, layerBytes);
    return { config: descriptorOf(OCI_CONFIG, configBytes), layer: descriptorOf(OCI_LAYER, layerBytes) };
  }

  describe('push and pull', () => {
    test('PUT by tag is 201 with Location and Docker-Content-Digest of the exact bytes', async () => {
      const repo = uniqueRepo('man');
      const { config, layer } = await parts(repo);
      const body = imageManifest({ config, layers: [layer] });
      const reply = await put(repo, 'v1', body);
      expectStatus(reply, 201);
      assert.equal(reply.headers.get('docker-content-digest'), sha256(body));
      assert.equal(reply.headers.get('location'), `/v2/${repo}/manifests/${sha256(body)}`);
      assert.equal(reply.headers.get('oci-subject'), null);
      const fetched = await c.get(reply.headers.get('location') ?? '');
      assertManifestHeaders(fetched, { digest: sha256(body), body, mediaType: OCI_MANIFEST });
    });

    test('GET and HEAD by tag and by digest carry type, length and digest; HEAD has no body', async () => {
      const repo = uniqueRepo('man');
      const image = await pushImage(c, repo, 'latest', { layerCount: 2 });
      for (const reference of ['latest', image.digest, encodeURIComponent(image.digest)]) {
        const got = await c.get(`/v2/${repo}/manifests/${reference}`);
        assertManifestHeaders(got, image);
        assert.deepEqual(got.body, image.body);
        const head = await c.head(`/v2/${repo}/manifests/${reference}`);
        assertManifestHeaders(head, image);
        assert.equal(head.body.length, 0);
      }
    });

    test('bytes are stored exactly: odd whitespace, key order and non-ASCII survive, and the digest is of those bytes', async () => {
      const repo = uniqueRepo('man');
      const { config, layer } = await parts(repo);
      const text =
        '{\n\t"layers" :[ {"size":' + layer.size + ' , "digest":"' + layer.digest + '","mediaType":"' + OCI_LAYER + '"} ],\r\n' +
        '   "config":{"digest":"' + config.digest + '","size":' + config.size + ',"mediaType":"' + OCI_CONFIG + '"},' +
        '"annotations":{"note":"h\\u00e9llo wörld ✓","z":"1","a":"2"},' +
        '     "mediaType":"' + OCI_MANIFEST + '", "schemaVersion":2   }\n\n';
      const body = Buffer.from(text, 'utf8');
      assert.notEqual(body.length, text.length, 'the body has multi-byte characters, so bytes and characters differ');
      const reply = await put(repo, 'odd', body);
      expectStatus(reply, 201);
      assert.equal(reply.headers.get('docker-content-digest'), sha256(body));
      for (const reference of ['odd', sha256(body)]) {
        const got = await c.get(`/v2/${repo}/manifests/${reference}`);
        assert.ok(got.body.equals(body), 'served bytes are identical to the pushed bytes');
        assert.equal(sha256(got.body), got.headers.get('docker-content-digest'));
        assert.equal(got.headers.get('content-length'), String(body.length));
      }
    });

    test('the stored Content-Type is served whatever Accept says', async () => {
      const repo = uniqueRepo('man');
      const image = await pushImage(c, repo, 'v1');
      for (const accept of [DOCKER_MANIFEST, 'text/html', '*/*', `${OCI_INDEX}, ${DOCKER_MANIFEST_LIST}`]) {
        const got = await c.get(`/v2/${repo}/manifests/v1`, { headers: { accept } });
        assertManifestHeaders(got, image);
        assert.deepEqual(got.body, image.body);
      }
    });

    test('PUT by digest is 201 and creates no tag', async () => {
      const repo = uniqueRepo('man');
      const { config, layer } = await parts(repo);
      const body = imageManifest({ config, layers: [layer] });
      const reply = await put(repo, sha256(body), body);
      expectStatus(reply, 201);
      assert.equal(reply.headers.get('docker-content-digest'), sha256(body));
      assert.deepEqual(json(await c.get(`/v2/${repo}/tags/list`)), { name: repo, tags: [] });
      assert.deepEqual((await c.get(`/v2/${repo}/manifests/${sha256(body)}`)).body, body);
    });

    test('PUT by a digest that does not match the body is 400 DIGEST_INVALID and stores nothing', async () => {
      const repo = uniqueRepo('man');
      const { config, layer } = await parts(repo);
      const body = imageManifest({ config, layers: [layer] });
      const claimed = unknownDigest();
      const error = expectError(await put(repo, claimed, body), 400, 'DIGEST_INVALID');
      assert.deepEqual(error.detail, { reference: claimed, computed: sha256(body) });
      expectError(await c.get(`/v2/${repo}/manifests/${claimed}`), 404, 'MANIFEST_UNKNOWN');
      expectError(await c.get(`/v2/${repo}/manifests/${sha256(body)}`), 404, 'MANIFEST_UNKNOWN');
    });

    test('PUT by a sha512 digest stores it under that digest', async () => {
      const repo = uniqueRepo('man');
      const { config, layer } = await parts(repo);
      const body = imageManifest({ config, layers: [layer] });
      const reply = await put(repo, sha512(body), body);
      expectStatus(reply, 201);
      assert.equal(reply.headers.get('docker-content-digest'), sha512(body));
      const got = await c.get(`/v2/${repo}/manifests/${sha512(body)}`);
      assertManifestHeaders(got, { digest: sha512(body), body, mediaType: OCI_MANIFEST });
    });

    test('a Content-Type with parameters is accepted and the bare type is served', async () => {
      const repo = uniqueRepo('man');
      const { config, layer } = await parts(repo);
      const body = imageManifest({ config, layers: [layer] });
      expectStatus(await put(repo, 'v1', body, `${OCI_MANIFEST}; charset=utf-8`), 201);
      assert.equal((await c.get(`/v2/${repo}/manifests/v1`)).headers.get('content-type'), OCI_MANIFEST);
    });

    test('a manifest without a mediaType field takes its type from Content-Type', async () => {
      const repo = uniqueRepo('man');
      const { config, layer } = await parts(repo);
      const body = Buffer.from(JSON.stringify({ schemaVersion: 2, config, layers: [layer] }));
      expectStatus(await put(repo, 'v1', body, OCI_MANIFEST), 201);
      assert.equal((await c.get(`/v2/${repo}/manifests/v1`)).headers.get('content-type'), OCI_MANIFEST);
    });

    test('re-pushing under a second tag keeps one digest; moving a tag points it at the new manifest', async () => {
      const repo = uniqueRepo('man');
      const one = await pushImage(c, repo, 'a');
      const again = await pushManifest(c, repo, 'b', one.body, OCI_MANIFEST);
      assert.equal(again.digest, one.digest);
      const two = await pushImage(c, repo, 'a');
      assert.notEqual(two.digest, one.digest);
      assert.equal((await c.get(`/v2/${repo}/manifests/a`)).headers.get('docker-content-digest'), two.digest);
      assert.equal((await c.get(`/v2/${repo}/manifests/b`)).headers.get('docker-content-digest'), one.digest);
    });

    test('a manifest pushed to repository A is unknown in repository B', async () => {
      const a = uniqueRepo('man');
      const b = uniqueRepo('man');
      const image = await pushImage(c, a, 'v1');
      await pushImage(c, b, 'other');
      expectError(await c.get(`/v2/${b}/manifests/${image.digest}`), 404, 'MANIFEST_UNKNOWN');
      expectError(await c.get(`/v2/${b}/manifests/v1`), 404, 'MANIFEST_UNKNOWN');
    });
  });

  describe('schemas', () => {
    test('OCI image index over two platform images', async () => {
      const repo = uniqueRepo('man');
      const amd = await pushImage(c, repo, 'amd64');
      const arm = await pushImage(c, repo, 'arm64');
      const body = indexManifest([
        { ...descriptorOf(OCI_MANIFEST, amd.body), platform: { architecture: 'amd64', os: 'linux' } },
        { ...descriptorOf(OCI_MANIFEST, arm.body), platform: { architecture: 'arm64', os: 'linux' } },
      ]);
      const pushed = await pushManifest(c, repo, 'multi', body, OCI_INDEX);
      const got = await c.get(`/v2/${repo}/manifests/multi`);
      assertManifestHeaders(got, pushed);
      assert.deepEqual(got.body, body);
    });

    async function dockerImage(repo: string, tag: string): Promise<{ digest: string; body: Buffer }> {
      const configBytes = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', n: randomBlob(4).toString('hex') }));
      const layerBytes = randomBlob(200);
      await pushBlob(c, repo, configBytes);
      await pushBlob(c, repo, layerBytes);
      const body = imageManifest({
        mediaType: DOCKER_MANIFEST,
        config: descriptorOf(DOCKER_CONFIG, configBytes),
        layers: [descriptorOf(DOCKER_LAYER, layerBytes)],
      });
      const pushed = await pushManifest(c, repo, tag, body, DOCKER_MANIFEST);
      return { digest: pushed.digest, body };
    }

    test('Docker schema2 manifest is stored and served as schema2', async () => {
      const repo = uniqueRepo('man');
      const image = await dockerImage(repo, 'v2');
      const got = await c.get(`/v2/${repo}/manifests/v2`, { headers: { accept: DOCKER_MANIFEST } });
      assertManifestHeaders(got, { ...image, mediaType: DOCKER_MANIFEST });
      assert.deepEqual(got.body, image.body);
    });

    test('Docker manifest list over schema2 manifests', async () => {
      const repo = uniqueRepo('man');
      const one = await dockerImage(repo, 'one');
      const two = await dockerImage(repo, 'two');
      const body = indexManifest(
        [
          { ...descriptorOf(DOCKER_MANIFEST, one.body), platform: { architecture: 'amd64', os: 'linux' } },
          { ...descriptorOf(DOCKER_MANIFEST, two.body), platform: { architecture: 's390x', os: 'linux' } },
        ],
        { mediaType: DOCKER_MANIFEST_LIST },
      );
      const pushed = await pushManifest(c, repo, 'list', body, DOCKER_MANIFEST_LIST);
      assertManifestHeaders(await c.get(`/v2/${repo}/manifests/list`), pushed);
    });

    test('Docker schema2 with a foreign layer does not need that layer in the registry', async () => {
      const repo = uniqueRepo('man');
      const configBytes = Buffer.from('{"os":"windows"}');
      await pushBlob(c, repo, configBytes);
      const body = imageManifest({
        mediaType: DOCKER_MANIFEST,
        config: descriptorOf(DOCKER_CONFIG, configBytes),
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', digest: unknownDigest(), size: 1234 }],
      });
      await pushManifest(c, repo, 'win', body, DOCKER_MANIFEST);
    });

    test('an artifact with artifactType and the empty config', async () => {
      const repo = uniqueRepo('man');
      const empty = Buffer.from('{}');
      await pushBlob(c, repo, empty);
      const payload = Buffer.from('sbom contents');
      await pushBlob(c, repo, payload);
      const body = imageManifest({
        artifactType: 'application/vnd.example.sbom.v1',
        config: descriptorOf(OCI_EMPTY, empty),
        layers: [descriptorOf('application/vnd.example.sbom.v1+json', payload)],
        annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
      });
      assert.equal(sha256(empty), 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
      const pushed = await pushManifest(c, repo, 'sbom', body, OCI_MANIFEST);
      assertManifestHeaders(await c.get(`/v2/${repo}/manifests/sbom`), pushed);
    });

    test('an artifact with no layers at all', async () => {
      const repo = uniqueRepo('man');
      const empty = Buffer.from('{}');
      await pushBlob(c, repo, empty);
      const body = imageManifest({ artifactType: 'application/vnd.example.thing', config: descriptorOf(OCI_EMPTY, empty), layers: [] });
      await pushManifest(c, repo, 'bare', body, OCI_MANIFEST);
    });
  });

  describe('references must exist in the repository', () => {
    test('a missing config is 400 MANIFEST_BLOB_UNKNOWN listing its digest', async () => {
      const repo = uniqueRepo('man');
      const { layer } = await parts(repo);
      const config = { mediaType: OCI_CONFIG, digest: unknownDigest(), size: 10 };
      const error = expectError(await put(repo, 'v1', imageManifest({ config, layers: [layer] })), 400, 'MANIFEST_BLOB_UNKNOWN');
      assert.deepEqual(error.detail, { missing: [config.digest] });
      expectError(await c.get(`/v2/${repo}/manifests/v1`), 404, 'MANIFEST_UNKNOWN');
    });

    test('missing layers are all listed', async () => {
      const repo = uniqueRepo('man');
      const { config, layer } = await parts(repo);
      const missingA = { mediaType: OCI_LAYER, digest: unknownDigest(), size: 5 };
      const missingB = { mediaType: OCI_LAYER, digest: unknownDigest(), size: 6 };
      const reply = await put(repo, 'v1', imageManifest({ config, layers: [missingA, layer, missingB] }));
      const error = expectError(reply, 400, 'MANIFEST_BLOB_UNKNOWN');
      assert.deepEqual(error.detail, { missing: [missingA.digest, missingB.digest] });
    });

    test('a blob that only another repository has is missing here', async () => {
      const mine = uniqueRepo('man');
      const theirs = uniqueRepo('man');
      const { config } = await parts(mine);
      const { layer } = await parts(theirs);
      const error = expectError(await put(mine, 'v1', imageManifest({ config, layers: [layer] })), 400, 'MANIFEST_BLOB_UNKNOWN');
      assert.deepEqual(error.detail, { missing: [layer.digest] });
    });

    test('a blob deleted from the repository no longer satisfies a manifest', async () => {
      const repo = uniqueRepo('man');
      const { config, layer } = await parts(repo);
      expectStatus(await c.delete(`/v2/${repo}/blobs/${layer.digest}`), 202);
      const error = expectError(await put(repo, 'v1', imageManifest({ config, layers: [layer] })), 400, 'MANIFEST_BLOB_UNKNOWN');
      assert.deepEqual(error.detail, { missing: [layer.digest] });
    });

    test('an index with an unknown child is 400 MANIFEST_BLOB_UNKNOWN listing the child', async () => {
      const repo = uniqueRepo('man');
      const known = await pushImage(c, repo, 'known');
      const child = { mediaType: OCI_MANIFEST, digest: unknownDigest(), size: 100 };
      const body = indexManifest([descriptorOf(OCI_MANIFEST, known.body), child]);
      const error = expectError(await put(repo, 'idx', body, OCI_INDEX), 400, 'MANIFEST_BLOB_UNKNOWN');
      assert.deepEqual(error.detail, { missing: [child.digest] });
    });

    test('an index child that exists only as a blob (not a manifest) is missing', async () => {
      const repo = uniqueRepo('man');
      const image = await pushImage(c, repo, 'v1');
      const blobOnly = image.config;
      const body = indexManifest([{ ...blobOnly, mediaType: OCI_MANIFEST }]);
      const error = expectError(await put(repo, 'idx', body, OCI_INDEX), 400, 'MANIFEST_BLOB_UNKNOWN');
      assert.deepEqual(error.detail, { missing: [blobOnly.digest] });
    });
  });

  describe('invalid manifests', () => {
    test('a manifest over 4 MiB is 413 SIZE_INVALID (declared length)', async () => {
      const repo = uniqueRepo('man');
      const body = Buffer.alloc(MAX_MANIFEST + 1, 0x20);
      expectError(await put(repo, 'big', body), 413, 'SIZE_INVALID');
      expectError(await c.get(`/v2/${repo}/manifests/big`), 404, 'MANIFEST_UNKNOWN');
    });

    test('an oversize manifest under 16 MiB is read to its end: the 413 keeps the connection, so a proxy in front passes it on', async () => {
      const repo = uniqueRepo('man');
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const { hostname, port } = new URL(server.url);
      const send = (method: string, path: string, body?: Buffer) =>
        new Promise<{ status: number; connection: string | undefined; reused: boolean; text: string }>((resolve, reject) => {
          const headers = body === undefined ? {} : { 'content-type': OCI_MANIFEST, 'content-length': String(body.length) };
          const req = http.request({ host: hostname, port, method, path, agent, headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, reused: req.reusedSocket, text: Buffer.concat(chunks).toString() }),
            );
          });
          req.on('error', reject);
          req.end(body);
        });
      try {
        for (const size of [MAX_MANIFEST + 1, 12 * 1024 * 1024]) {
          const refused = await send('PUT', `/v2/${repo}/manifests/big`, Buffer.alloc(size, 0x20));
          assert.equal(refused.status, 413);
          assert.match(refused.text, /SIZE_INVALID/);
          assert.notEqual(refused.connection, 'close');
        }
        const next = await send('GET', '/v2/');
        assert.ok(next.reused, 'the request after the refusal needed a new connection');
      } finally {
        agent.destroy();
      }
    });

    test('a manifest over 4 MiB sent chunked, without a length, is 413 SIZE_INVALID', async () => {
      const repo = uniqueRepo('man');
      const chunks = Array.from({ length: 5 }, () => Buffer.alloc(1024 * 1024, 0x20));
      const reply = await chunkedRequest(server.url, 'PUT', `/v2/${repo}/manifests/big`, chunks, { 'content-type': OCI_MANIFEST });
      expectError(reply, 413, 'SIZE_INVALID');
    });

    test('a manifest of exactly 4 MiB is accepted', async () => {
      const repo = uniqueRepo('man');
      const { config, layer } = await parts(repo);
      const skeleton = imageManifest({ config, layers: [layer], annotations: { pad: '' } });
      const padded = Buffer.from(
        skeleton.toString('utf8').replace('"pad":""', `"pad":"${'x'.repeat(MAX_MANIFEST - skeleton.length)}"`),
      );
      assert.equal(padded.length, MAX_MANIFEST);
      const pushed = await pushManifest(c, repo, 'edge', padded, OCI_MANIFEST);
      assert.equal((await c.head(`/v2/${repo}/manifests/edge`)).headers.get('content-length'), String(MAX_MANIFEST));
      assert.equal(pushed.digest, sha256(padded));
    });

    const invalid: Array<[string, string, string?]> = [
      ['malformed JSON', '{"schemaVersion": 2,'],
      ['an empty body', ''],
      ['a JSON array', '[]'],
      ['a JSON string', '"manifest"'],
      ['schemaVersion 3', JSON.stringify({ schemaVersion: 3, mediaType: OCI_MANIFEST })],
      ['no schemaVersion', JSON.stringify({ mediaType: OCI_MANIFEST, config: {}, layers: [] })],
      ['an unknown media type', JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.example.nope', layers: [] }), 'application/vnd.example.nope'],
      ['layers not an array', JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: sha256('x'), size: 1 }, layers: {} })],
      ['a config that is not a descriptor', JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: 'nope', layers: [] })],
      ['a descriptor with a malformed digest', JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: 'sha256:zz', size: 1 }, layers: [] })],
      ['a descriptor with a negative size', JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: sha256('x'), size: -1 }, layers: [] })],
      ['an index whose manifests is not an array', JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: 'x' }), OCI_INDEX],
      ['annotations that are not strings', JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: sha256('x'), size: 1 }, layers: [], annotations: { a: 1 } })],
      ['a subject that is not a descriptor', JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: sha256('x'), size: 1 }, layers: [], subject: 'sha256:abc' })],
      ['Content-Type that contradicts mediaType', JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: sha256('x'), size: 1 }, layers: [] }), DOCKER_MANIFEST],
    ];
    for (const [what, body, contentType] of invalid) {
      test(`${what} is 400 MANIFEST_INVALID`, async () => {
        const repo = uniqueRepo('man');
        expectError(await put(repo, 'bad', body, contentType ?? OCI_MANIFEST), 400, 'MANIFEST_INVALID');
        expectError(await c.get(`/v2/${repo}/manifests/bad`), 404, 'MANIFEST_UNKNOWN');
      });
    }

    test('Docker schema1 (by schemaVersion or by media type) is 400 MANIFEST_INVALID saying it is unsupported', async () => {
      const repo = uniqueRepo('man');
      const schema1 = JSON.stringify({ schemaVersion: 1, name: repo, tag: 'old', architecture: 'amd64', fsLayers: [], history: [] });
      for (const contentType of ['application/vnd.docker.distribution.manifest.v1+prettyjws', 'application/vnd.docker.distribution.manifest.v1+json', 'application/json']) {
        const error = expectError(await put(repo, 'old', schema1, contentType), 400, 'MANIFEST_INVALID');
        assert.match(error.message, /schema1/i);
        assert.match(error.message, /unsupported|not supported/i);
      }
    });

    for (const tag of ['-leading-dash', '.leading-dot', `t${'a'.repeat(128)}`, 'a+b', 'semi;colon']) {
      // A read answers 200 or 404 only (the spec lists nothing else, and Distribution agrees).
      test(`an invalid tag (${tag.slice(0, 20)}) is 400 TAG_INVALID on PUT and DELETE, 404 MANIFEST_UNKNOWN on GET and HEAD`, async () => {
        const repo = uniqueRepo('man');
        const image = await pushImage(c, repo, 'ok');
        expectError(await put(repo, encodeURIComponent(tag), image.body), 400, 'TAG_INVALID');
        const error = expectError(await c.get(`/v2/${repo}/manifests/${encodeURIComponent(tag)}`), 404, 'MANIFEST_UNKNOWN');
        assert.equal(error.message, 'manifest unknown to registry: not a valid tag');
        expectStatus(await c.head(`/v2/${repo}/manifests/${encodeURIComponent(tag)}`), 404);
        expectError(await c.delete(`/v2/${repo}/manifests/${encodeURIComponent(tag)}`), 400, 'TAG_INVALID');
      });
    }

    test('a tag of exactly 128 characters is valid', async () => {
      const repo = uniqueRepo('man');
      const tag = `T${'a'.repeat(127)}`;
      await pushImage(c, repo, tag);
      expectStatus(await c.get(`/v2/${repo}/manifests/${tag}`), 200);
    });

    test('a malformed digest reference is 400 DIGEST_INVALID', async () => {
      const repo = uniqueRepo('man');
      const image = await pushImage(c, repo, 'ok');
      expectError(await put(repo, 'sha256:abc', image.body), 400, 'DIGEST_INVALID');
      expectError(await c.get(`/v2/${repo}/manifests/sha256:abc`), 400, 'DIGEST_INVALID');
      expectError(await c.delete(`/v2/${repo}/manifests/md5:abc`), 400, 'DIGEST_INVALID');
    });

    test('POST and PATCH on a manifest are 405 UNSUPPORTED', async () => {
      const repo = uniqueRepo('man');
      const image = await pushImage(c, repo, 'v1');
      expectError(await c.post(`/v2/${repo}/manifests/v1`, { body: image.body }), 405, 'UNSUPPORTED');
      expectError(await c.patch(`/v2/${repo}/manifests/v1`, { body: image.body }), 405, 'UNSUPPORTED');
    });
  });

  describe('subject', () => {
    test('PUT with a subject answers OCI-Subject with the subject digest, even if the subject is absent', async () => {
      const repo = uniqueRepo('man');
      const subject = await pushImage(c, repo, 'base');
      const subjectDescriptor = descriptorOf(OCI_MANIFEST, subject.body);
      const { config, layer } = await parts(repo);

      const byTag = await put(repo, 'sig', imageManifest({ config, layers: [layer], subject: subjectDescriptor }));
      expectStatus(byTag, 201);
      assert.equal(byTag.headers.get('oci-subject'), subject.digest);

      const dangling = { mediaType: OCI_MANIFEST, digest: unknownDigest(), size: 321 };
      const body = imageManifest({ config, layers: [layer], subject: dangling });
      const byDigest = await put(repo, sha256(body), body);
      expectStatus(byDigest, 201);
      assert.equal(byDigest.headers.get('oci-subject'), dangling.digest);

      const index = await put(repo, 'idx', indexManifest([subjectDescriptor], { subject: subjectDescriptor }), OCI_INDEX);
      expectStatus(index, 201);
      assert.equal(index.headers.get('oci-subject'), subject.digest);

      const plain = await put(repo, 'plain', imageManifest({ config, layers: [layer] }));
      expectStatus(plain, 201);
      assert.equal(plain.headers.get('oci-subject'), null);
    });
  });

  describe('unknown manifests', () => {
    test('GET and DELETE of an unknown tag or digest are 404 MANIFEST_UNKNOWN; HEAD is 404 without a body', async () => {
      const repo = uniqueRepo('man');
      await pushImage(c, repo, 'v1');
      for (const reference of ['nope', unknownDigest()]) {
        const error = expectError(await c.get(`/v2/${repo}/manifests/${reference}`), 404, 'MANIFEST_UNKNOWN');
        assert.deepEqual(error.detail, { repository: repo, reference });
        const head = await c.head(`/v2/${repo}/manifests/${reference}`);
        expectStatus(head, 404);
        assert.equal(head.body.length, 0);
        expectError(await c.delete(`/v2/${repo}/manifests/${reference}`), 404, 'MANIFEST_UNKNOWN');
      }
    });

    test('a manifest in a repository that does not exist is 404', async () => {
      const repo = uniqueRepo('ghost');
      expectError(await c.get(`/v2/${repo}/manifests/latest`), 404, 'MANIFEST_UNKNOWN');
      expectError(await c.delete(`/v2/${repo}/manifests/${unknownDigest()}`), 404, 'MANIFEST_UNKNOWN');
    });
  });

  describe('delete', () => {
    async function twoTags(): Promise<{ repo: string; image: PushedImage }> {
      const repo = uniqueRepo('man');
      const image = await pushImage(c, repo, 'keep');
      await pushManifest(c, repo, 'drop', image.body, OCI_MANIFEST);
      return { repo, image };
    }

    test('DELETE by tag is 202 and removes only that tag', async () => {
      const { repo, image } = await twoTags();
      const reply = await c.delete(`/v2/${repo}/manifests/drop`);
      expectStatus(reply, 202);
      expectError(await c.get(`/v2/${repo}/manifests/drop`), 404, 'MANIFEST_UNKNOWN');
      assert.deepEqual((await c.get(`/v2/${repo}/manifests/${image.digest}`)).body, image.body);
      assert.deepEqual((await c.get(`/v2/${repo}/manifests/keep`)).body, image.body);
      assert.deepEqual(json(await c.get(`/v2/${repo}/tags/list`)), { name: repo, tags: ['keep'] });
      expectError(await c.delete(`/v2/${repo}/manifests/drop`), 404, 'MANIFEST_UNKNOWN');
    });

    test('DELETE by digest is 202 and removes the manifest and every tag on it', async () => {
      const { repo, image } = await twoTags();
      const other = await pushImage(c, repo, 'other');
      expectStatus(await c.delete(`/v2/${repo}/manifests/${image.digest}`), 202);
      for (const reference of [image.digest, 'keep', 'drop']) {
        expectError(await c.get(`/v2/${repo}/manifests/${reference}`), 404, 'MANIFEST_UNKNOWN');
        expectStatus(await c.head(`/v2/${repo}/manifests/${reference}`), 404);
      }
      assert.deepEqual(json(await c.get(`/v2/${repo}/tags/list`)), { name: repo, tags: ['other'] });
      assert.deepEqual((await c.get(`/v2/${repo}/manifests/other`)).body, other.body);
      // The blobs stay linked; the same manifest can be pushed again.
      expectStatus(await c.head(`/v2/${repo}/blobs/${image.layers[0]?.digest}`), 200);
      await pushManifest(c, repo, 'back', image.body, OCI_MANIFEST);
    });

    test('an escaped digest works for DELETE', async () => {
      const repo = uniqueRepo('man');
      const image = await pushImage(c, repo, 'v1');
      expectStatus(await c.delete(`/v2/${repo}/manifests/${encodeURIComponent(image.digest)}`), 202);
      expectError(await c.get(`/v2/${repo}/manifests/v1`), 404, 'MANIFEST_UNKNOWN');
    });

    test('deleting a child of an index leaves the index readable', async () => {
      const repo = uniqueRepo('man');
      const child = await pushImage(c, repo, 'child');
      const index = await pushManifest(c, repo, 'idx', indexManifest([descriptorOf(OCI_MANIFEST, child.body)]), OCI_INDEX);
      expectStatus(await c.delete(`/v2/${repo}/manifests/${child.digest}`), 202);
      assert.deepEqual((await c.get(`/v2/${repo}/manifests/idx`)).body, index.body);
    });

    test('with deletes disabled, DELETE by tag or digest is 405 UNSUPPORTED and nothing changes', async () => {
      const locked = await startTestServer({ deleteEnabled: false });
      try {
        const lc = client(locked.url);
        const repo = uniqueRepo('man');
        const image = await pushImage(lc, repo, 'v1');
        expectError(await lc.delete(`/v2/${repo}/manifests/v1`), 405, 'UNSUPPORTED');
        expectError(await lc.delete(`/v2/${repo}/manifests/${image.digest}`), 405, 'UNSUPPORTED');
        expectError(await lc.delete(`/v2/${repo}/manifests/nope`), 405, 'UNSUPPORTED');
        assert.deepEqual((await lc.get(`/v2/${repo}/manifests/v1`)).body, image.body);
        assert.deepEqual(json(await lc.get(`/v2/${repo}/tags/list`)), { name: repo, tags: ['v1'] });
      } finally {
        await locked.close();
      }
    });
  });
});
