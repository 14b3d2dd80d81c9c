/**
 * HTTP-level checks of what listing endpoints show after real pushes: the catalog (one page, and
 * paged with `n` and Link as some libraries read it) and a repository's tags list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tagsOf } from './support/assertions.js';
import { containersTools } from './support/containers-tools.js';
import { startTarget, transports, type Target } from './support/registry-under-test.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

const pushed: Record<string, string[]> = {
  'e2e/catalog/app': ['1.0', '1.1', '2.0', 'latest'],
  'e2e/catalog/team/tool': ['v1'],
  'e2e/catalog/zeta': ['z'],
  'e2e/index': ['multi'],
  'solo': ['only'],
};

describe('catalog and tags list', () => {
  let ws: Workspace;
  before(async () => {
    ws = await createWorkspace('catalog');
  });
  after(async () => {
    await ws?.cleanup();
  });

  for (const transport of transports) {
    describe(`over ${transport}`, () => {
      let target: Target;
      before(async () => {
        target = await startTarget(transport, ws.ca);
        const tools = await containersTools(ws.subdir(`containers-${transport}`), target);
        const { single, index } = ws.images;
        for (const [name, tags] of Object.entries(pushed)) {
          for (const tag of tags) {
            const image = name === 'e2e/index' ? index : single;
            const all = name === 'e2e/index' ? ['--all'] : [];
            await tools.skopeo(['copy', '--quiet', '--preserve-digests', ...all, `oci:${image.dir}:${image.ref}`, `docker://${target.host}/${name}:${tag}`]);
          }
        }
      });
      after(async () => {
        await target?.stop();
      });

      it('lists every pushed repository, sorted, in one page', async () => {
        const response = await target.request('/v2/_catalog');
        assert.equal(response.status, 200, response.text());
        assert.match(String(response.headers['content-type']), /^application\/json/);
        assert.deepEqual(response.json<{ repositories: string[] }>().repositories, Object.keys(pushed).sort());
      });

      it('pages the catalog with n and a Link to the next page', async () => {
        const seen: string[] = [];
        let path: string | undefined = '/v2/_catalog?n=2';
        for (let pages = 0; path && pages < 10; pages++) {
          const response = await target.request(path);
          assert.equal(response.status, 200, `${path} → ${response.status} ${response.text()}`);
          const page = response.json<{ repositories: string[] }>().repositories;
          assert.ok(page.length <= 2, `${path} returned ${page.length} repositories`);
          seen.push(...page);
          const link = response.headers.link;
          const next = typeof link === 'string' ? /^<([^>]+)>;\s*rel="next"/.exec(link) : null;
          path = next ? next[1] : undefined;
        }
        assert.deepEqual(seen, Object.keys(pushed).sort());
      });

      it('lists the tags of each repository', async () => {
        for (const [name, tags] of Object.entries(pushed)) {
          assert.deepEqual((await tagsOf(target, name)).sort(), [...tags].sort(), name);
        }
      });

      it('answers NAME_UNKNOWN for the tags of a repository never pushed', async () => {
        const response = await target.request('/v2/e2e/catalog/missing/tags/list');
        assert.equal(response.status, 404);
        assert.ok(response.json<{ errors: { code: string }[] }>().errors.some((e) => e.code === 'NAME_UNKNOWN'), response.text());
      });
    });
  }
});
