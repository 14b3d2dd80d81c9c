// GET /v2/<name>/tags/list and GET /v2/_catalog: order, n/last pagination and the Link header.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { OCI_MANIFEST, randomBlob, uniqueRepo } from './support/content.js';
import { client, expectError, expectStatus, json, type Client, type Reply } from './support/http-client.js';
import { pushBlob, pushImage, pushManifest } from './support/push.js';

interface TagList {
  name: string;
  tags: string[];
}
interface Catalog {
  repositories: string[];
}

/** The target of a `Link: <…>; rel="next"` header, or undefined. */
function nextLink(reply: Reply): string | undefined {
  const link = reply.headers.get('link');
  if (link === null) return undefined;
  const match = /^<([^>]+)>;\s*rel="next"$/.exec(link);
  assert.ok(match, `Link header is not RFC 5988 rel="next": ${link}`);
  return match[1];
}

/** Byte-wise order, the order the spec's "ASCIIbetical" sort and the store promise. */
function bytewise(values: string[]): string[] {
  return [...values].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

describe('tags and catalog', () => {
  let server: TestServer;
  let c: Client;
  before(async () => {
    server = await startTestServer();
    c = client(server.url);
  });
  after(() => server.close());

  /** Tags `tags` on one image in a fresh repository, pushed in the given (unsorted) order. */
  async function tagged(tags: string[], prefix = 'tags'): Promise<string> {
    const repo = uniqueRepo(prefix);
    const image = await pushImage(c, repo, tags[0] ?? 'first');
    for (const tag of tags.slice(1)) await pushManifest(c, repo, tag, image.body, OCI_MANIFEST);
    return repo;
  }

  /** Follows Link headers from `first` to the end; returns every page's items in order. */
  async function followPages<T>(first: string, items: (body: T) => string[]): Promise<{ pages: string[][]; links: string[] }> {
    const pages: string[][] = [];
    const links: string[] = [];
    let url: string | undefined = first;
    while (url !== undefined) {
      assert.ok(pages.length < 1000, 'pagination must terminate');
      const reply = await c.get(url);
      expectStatus(reply, 200, `page ${url}`);
      pages.push(items(json<T>(reply)));
      url = nextLink(reply);
      if (url !== undefined) links.push(url);
    }
    return { pages, links };
  }

  describe('tags list', () => {
    test('lists every tag once, in byte-wise order, with the repository name', async () => {
      const tags = ['v2', 'latest', 'B', 'a', '1.0', '_x', 'A', 'v10'];
      const repo = await tagged(tags);
      const reply = await c.get(`/v2/${repo}/tags/list`);
      expectStatus(reply, 200);
      assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(reply.headers.get('link'), null);
      assert.deepEqual(json<TagList>(reply), { name: repo, tags: bytewise(tags) });
      assert.deepEqual(bytewise(tags), ['1.0', 'A', 'B', '_x', 'a', 'latest', 'v10', 'v2']);
    });

    test('n limits the page and Link leads through every tag exactly once', async () => {
      const tags = Array.from({ length: 11 }, (_, i) => `t${String(i).padStart(2, '0')}`).reverse();
      const repo = await tagged(tags);
      const { pages, links } = await followPages<TagList>(`/v2/${repo}/tags/list?n=3`, (b) => b.tags);
      assert.deepEqual(pages.map((p) => p.length), [3, 3, 3, 2]);
      assert.deepEqual(pages.flat(), bytewise(tags));
      assert.equal(new Set(pages.flat()).size, tags.length);
      for (const link of links) {
        const url = new URL(link, server.url);
        assert.equal(url.pathname, `/v2/${repo}/tags/list`);
        assert.equal(url.searchParams.get('n'), '3', 'the next page keeps the page size');
      }
    });

    test('a page that ends exactly at the last tag has no Link', async () => {
      const repo = await tagged(['a', 'b', 'c']);
      const reply = await c.get(`/v2/${repo}/tags/list?n=3`);
      assert.deepEqual(json<TagList>(reply).tags, ['a', 'b', 'c']);
      assert.equal(reply.headers.get('link'), null);
      const larger = await c.get(`/v2/${repo}/tags/list?n=50`);
      assert.deepEqual(json<TagList>(larger).tags, ['a', 'b', 'c']);
      assert.equal(larger.headers.get('link'), null);
    });

    test('n=0 returns an empty list and no Link', async () => {
      const repo = await tagged(['a', 'b']);
      const reply = await c.get(`/v2/${repo}/tags/list?n=0`);
      expectStatus(reply, 200);
      assert.deepEqual(json<TagList>(reply), { name: repo, tags: [] });
      assert.equal(reply.headers.get('link'), null);
    });

    test('last without n returns every tag after it; last after the end returns none', async () => {
      const repo = await tagged(['a', 'b', 'c', 'd']);
      assert.deepEqual(json<TagList>(await c.get(`/v2/${repo}/tags/list?last=b`)).tags, ['c', 'd']);
      assert.deepEqual(json<TagList>(await c.get(`/v2/${repo}/tags/list?last=bb&n=1`)).tags, ['c']);
      const end = await c.get(`/v2/${repo}/tags/list?last=d`);
      assert.deepEqual(json<TagList>(end).tags, []);
      assert.equal(end.headers.get('link'), null);
    });

    test('a very large n is served (capped server-side) without error', async () => {
      const repo = await tagged(['x', 'y']);
      assert.deepEqual(json<TagList>(await c.get(`/v2/${repo}/tags/list?n=99999999999999999999`)).tags, ['x', 'y']);
    });

    for (const n of ['abc', '-1', '1.5', '1e3', '0x10', ' 2']) {
      test(`n=${JSON.stringify(n)} is 400 PAGINATION_NUMBER_INVALID`, async () => {
        const repo = await tagged(['a']);
        expectError(await c.get(`/v2/${repo}/tags/list?n=${encodeURIComponent(n)}`), 400, 'PAGINATION_NUMBER_INVALID');
      });
    }

    test('an unknown repository is 404 NAME_UNKNOWN', async () => {
      const repo = uniqueRepo('ghost');
      const error = expectError(await c.get(`/v2/${repo}/tags/list`), 404, 'NAME_UNKNOWN');
      assert.deepEqual(error.detail, { name: repo });
      expectError(await c.get(`/v2/${repo}/tags/list?n=0`), 404, 'NAME_UNKNOWN');
    });

    test('a repository holding only blobs lists no tags', async () => {
      const repo = uniqueRepo('tags');
      await pushBlob(c, repo, randomBlob(10));
      assert.deepEqual(json(await c.get(`/v2/${repo}/tags/list`)), { name: repo, tags: [] });
    });

    test('a repository whose tags were all deleted still exists and lists none', async () => {
      const repo = await tagged(['only']);
      expectStatus(await c.delete(`/v2/${repo}/manifests/only`), 202);
      assert.deepEqual(json(await c.get(`/v2/${repo}/tags/list`)), { name: repo, tags: [] });
    });

    test('nested namespaces a/b/c work for tags, manifests and blobs, and stay separate from their parents', async () => {
      const base = uniqueRepo('deep');
      const nested = `${base}/b/c`;
      const image = await pushImage(c, nested, 'v1');
      assert.deepEqual(json(await c.get(`/v2/${nested}/tags/list`)), { name: nested, tags: ['v1'] });
      assert.deepEqual((await c.get(`/v2/${nested}/manifests/v1`)).body, image.body);
      expectStatus(await c.get(`/v2/${nested}/blobs/${image.config.digest}`), 200);
      expectError(await c.get(`/v2/${base}/b/tags/list`), 404, 'NAME_UNKNOWN');
      expectError(await c.get(`/v2/${base}/b/manifests/v1`), 404, 'MANIFEST_UNKNOWN');
    });

    test('a repository may be called "tags" or contain "manifests" as a component', async () => {
      const base = uniqueRepo('odd');
      for (const repo of [`${base}/tags`, `${base}/manifests/blobs`]) {
        await pushImage(c, repo, 'v1');
        assert.deepEqual(json(await c.get(`/v2/${repo}/tags/list`)), { name: repo, tags: ['v1'] });
        expectStatus(await c.get(`/v2/${repo}/manifests/v1`), 200);
      }
    });

    test('HEAD, POST and DELETE on tags/list are 405 UNSUPPORTED', async () => {
      const repo = await tagged(['a']);
      expectStatus(await c.head(`/v2/${repo}/tags/list`), 405);
      expectError(await c.post(`/v2/${repo}/tags/list`), 405, 'UNSUPPORTED');
      expectError(await c.delete(`/v2/${repo}/tags/list`), 405, 'UNSUPPORTED');
    });
  });

  describe('catalog', () => {
    test('lists repositories (nested ones by full name) and not one with only an upload session', async () => {
      const base = uniqueRepo('cat');
      const names = [`${base}/b`, `${base}/a/x/y`, `${base}/a`];
      for (const name of names) await pushBlob(c, name, randomBlob(8));
      await c.post(`/v2/${base}/pending/blobs/uploads/`);
      const reply = await c.get('/v2/_catalog');
      expectStatus(reply, 200);
      const { repositories } = json<Catalog>(reply);
      assert.deepEqual(repositories, bytewise(repositories));
      assert.deepEqual(repositories.filter((r) => r.startsWith(`${base}/`)), bytewise(names));
    });

    test('n and Link walk the whole catalog: sorted, nothing duplicated, nothing skipped', async () => {
      const base = uniqueRepo('catpage');
      const mine = Array.from({ length: 7 }, (_, i) => `${base}/r${i}`);
      for (const name of [...mine].reverse()) await pushBlob(c, name, randomBlob(8));
      const everything = json<Catalog>(await c.get('/v2/_catalog?n=10000')).repositories;
      const { pages, links } = await followPages<Catalog>('/v2/_catalog?n=2', (b) => b.repositories);
      assert.ok(pages.length >= 4, `several pages expected, got ${pages.length}`);
      for (const page of pages.slice(0, -1)) assert.equal(page.length, 2, 'only the last page may be short');
      const walked = pages.flat();
      assert.deepEqual(walked, everything, 'walking the pages yields the catalog exactly');
      assert.equal(new Set(walked).size, walked.length);
      assert.deepEqual(walked.filter((r) => r.startsWith(`${base}/`)), mine);
      for (const link of links) {
        const url = new URL(link, server.url);
        assert.equal(url.pathname, '/v2/_catalog');
        assert.equal(url.searchParams.get('n'), '2');
      }
    });

    test('last starts after the named repository; n=0 is empty with no Link', async () => {
      const base = uniqueRepo('catlast');
      const mine = [`${base}/a`, `${base}/b`, `${base}/c`];
      for (const name of mine) await pushBlob(c, name, randomBlob(8));
      const after = json<Catalog>(await c.get(`/v2/_catalog?n=2&last=${encodeURIComponent(`${base}/a`)}`)).repositories;
      assert.deepEqual(after, [`${base}/b`, `${base}/c`]);
      const empty = await c.get('/v2/_catalog?n=0');
      expectStatus(empty, 200);
      assert.deepEqual(json(empty), { repositories: [] });
      assert.equal(empty.headers.get('link'), null);
    });

    for (const n of ['x', '-5', '2.0']) {
      test(`n=${n} is 400 PAGINATION_NUMBER_INVALID`, async () => {
        expectError(await c.get(`/v2/_catalog?n=${n}`), 400, 'PAGINATION_NUMBER_INVALID');
      });
    }

    test('POST and DELETE on _catalog are 405 UNSUPPORTED', async () => {
      expectError(await c.post('/v2/_catalog'), 405, 'UNSUPPORTED');
      expectError(await c.delete('/v2/_catalog'), 405, 'UNSUPPORTED');
    });
  });
});
