// Retention rules over content pushed through /v2, on a storage clock the test moves: each
// rule removes what it should and keeps what it should, the dry run lists exactly what the
// real run removes, removed tags are restorable for the window, and a push landing between the
// plan and the removal is never undone.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { Retention, type RetentionReport } from '../../src/core/lifecycle/retention.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import type { RetentionRule } from '../../src/ports/policy-store.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { OCI_INDEX, OCI_MANIFEST, descriptorOf, indexManifest, randomBlob } from './support/content.js';
import { client, expectError, expectStatus, json, type Client } from './support/http-client.js';
import { pushManifest } from './support/push.js';
import { DAY, ManualClock, assertUsageInStep, buildImage, newProject, pushBuilt, usageOf, type BuiltImage } from './support/storage.js';

const RESTORE_WINDOW_DAYS = 7;

describe('retention', () => {
  const clock = new ManualClock();
  let server: TestServer;
  let c: Client;
  let metadata: MetadataStore;
  before(async () => {
    server = await startTestServer({
      now: clock.now,
      lifecycle: { gc: { graceSeconds: 3600, intervalSeconds: 0 }, restoreWindowSeconds: RESTORE_WINDOW_DAYS * 24 * 3600 },
    });
    c = client(server.url);
    metadata = server.composed.registry.deps.metadata;
  });
  after(() => server.close());

  /** Each test starts on a day of its own, far from the last one's. */
  let day0 = 0;
  function startDay(): void {
    clock.advance(1000 * DAY);
    day0 = clock.ms;
  }
  function setDay(day: number): void {
    clock.ms = day0 + day * DAY;
  }

  async function setRules(project: string, retention: RetentionRule[], immutableTags: string[] = []): Promise<void> {
    await server.composed.policies.set(project, { writePolicy: 'allow-redeploy', immutableTags, retention });
  }

  async function push(repo: string, tag: string | undefined, options: { subject?: BuiltImage } = {}): Promise<BuiltImage> {
    const subject = options.subject === undefined ? undefined : descriptorOf(OCI_MANIFEST, options.subject.body);
    return pushBuilt(c, repo, buildImage([randomBlob(64)], { subject }), tag);
  }

  async function tags(repo: string): Promise<string[]> {
    const reply = await c.get(`/v2/${repo}/tags/list`);
    if (reply.status === 404) return [];
    expectStatus(reply, 200, `tags of ${repo}`);
    return json<{ tags: string[] | null }>(reply).tags ?? [];
  }

  async function manifestStatus(repo: string, reference: string): Promise<number> {
    return (await c.get(`/v2/${repo}/manifests/${reference}`, { headers: { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` } })).status;
  }

  /** What a report removed, as `repo:tag` or `repo@digest`, with the rule that removed it. */
  function removals(report: RetentionReport): string[] {
    return report.removed.map((r) => `${r.tag === undefined ? `${r.repository}@${r.digest}` : `${r.repository}:${r.tag}`} by ${r.rule}`);
  }

  /**
   * A dry run, then the real run: the dry run must list exactly what the real run removes and
   * change nothing itself.
   */
  async function run(project: string, repos: string[]): Promise<RetentionReport> {
    const before = await Promise.all(repos.map(tags));
    const dry = await server.composed.retention.run(project, { dryRun: true });
    assert.equal(dry.dryRun, true);
    assert.deepEqual(await Promise.all(repos.map(tags)), before, 'a dry run removes nothing');
    const real = await server.composed.retention.run(project);
    assert.equal(real.dryRun, false);
    assert.deepEqual(real.removed, dry.removed, 'the dry run lists exactly what the real run removes');
    assert.deepEqual(real.skipped, []);
    assert.deepEqual(real.rules, dry.rules);
    await assertUsageInStep(metadata, `after retention in ${project}`);
    return real;
  }

  test('keep-newest N keeps the N most recently pushed tags and removes the rest, restorably', async () => {
    startDay();
    const project = newProject('ret');
    const repo = `${project}/app`;
    const pushed = new Map<string, string>();
    // Pushed in an order unlike the names' order: push time decides, not the name.
    for (const [day, tag] of ['c', 'a', 'e', 'b', 'd'].entries()) {
      setDay(day);
      pushed.set(tag, (await push(repo, tag)).digest);
    }
    setDay(10);
    await setRules(project, [{ kind: 'keep-newest', count: 2 }]);
    const report = await run(project, [repo]);
    assert.deepEqual(removals(report), [`${repo}:e by keep-newest 2`, `${repo}:a by keep-newest 2`, `${repo}:c by keep-newest 2`]);
    assert.deepEqual(
      report.removed.map((r) => [r.tag, r.digest, r.ruleIndex]),
      ['e', 'a', 'c'].map((t) => [t, pushed.get(t), 0]),
    );
    assert.deepEqual(report.rules, [{ rule: 'keep-newest 2', removes: 3 }]);
    assert.equal(report.repositories, 1);
    assert.deepEqual(await tags(repo), ['b', 'd']);
    for (const tag of ['c', 'a', 'e']) {
      expectError(await c.get(`/v2/${repo}/manifests/${tag}`), 404, 'MANIFEST_UNKNOWN');
      assert.equal(await manifestStatus(repo, pushed.get(tag)!), 200, 'the manifest stays for the restore window');
    }

    // Restorable within the window, not after it.
    setDay(10 + RESTORE_WINDOW_DAYS - 1);
    assert.deepEqual(await server.composed.lifecycle.restoreTag(repo, 'c'), { digest: pushed.get('c') });
    assert.equal(await manifestStatus(repo, 'c'), 200);
    setDay(10 + RESTORE_WINDOW_DAYS + 1);
    await assert.rejects(server.composed.lifecycle.restoreTag(repo, 'a'), /restore window/);

    // Nothing to remove is a run that removes nothing.
    await setRules(project, [{ kind: 'keep-newest', count: 3 }]);
    assert.deepEqual((await run(project, [repo])).removed, []);
  });

  test(
    'a tag restored after retention removed it keeps its push time, so the next run does not remove a newer tag instead',
    async () => {
      startDay();
      const project = newProject('ret');
      const repo = `${project}/app`;
      for (const [day, tag] of ['t1', 't2', 't3'].entries()) {
        setDay(day);
        await push(repo, tag);
      }
      setDay(10);
      await setRules(project, [{ kind: 'keep-newest', count: 2 }]);
      assert.deepEqual(removals(await run(project, [repo])), [`${repo}:t1 by keep-newest 2`]);
      await server.composed.lifecycle.restoreTag(repo, 't1');
      // The restored tag is again the oldest: the next run removes it again, not t2.
      setDay(11);
      assert.deepEqual(removals(await run(project, [repo])), [`${repo}:t1 by keep-newest 2`]);
    },
  );

  test('keep-matching protects matching tags from keep-newest and not-pulled-for, whatever the rule order', async () => {
    startDay();
    const project = newProject('ret');
    const repo = `${project}/app`;
    setDay(0);
    await push(repo, 'v1');
    await push(repo, 'dev1');
    setDay(1);
    await push(repo, 'v2');
    await push(repo, 'dev2');
    setDay(50);
    await push(repo, 'dev3');
    setDay(60);
    await setRules(project, [
      { kind: 'keep-newest', count: 1 },
      { kind: 'not-pulled-for', days: 30 },
      { kind: 'keep-matching', pattern: 'v*' },
    ]);
    const report = await run(project, [repo]);
    assert.deepEqual(removals(report), [`${repo}:dev2 by keep-newest 1`, `${repo}:dev1 by keep-newest 1`]);
    assert.deepEqual(report.rules, [
      { rule: 'keep-newest 1', removes: 2 },
      { rule: 'not-pulled-for 30d', removes: 0 },
      { rule: 'keep-matching v*', removes: 0 },
    ]);
    assert.deepEqual(await tags(repo), ['dev3', 'v1', 'v2']);

    // Without the protection, the same rules remove the releases too.
    await setRules(project, [
      { kind: 'keep-newest', count: 1 },
      { kind: 'not-pulled-for', days: 30 },
    ]);
    assert.deepEqual(removals(await run(project, [repo])), [`${repo}:v2 by keep-newest 1`, `${repo}:v1 by keep-newest 1`]);
    assert.deepEqual(await tags(repo), ['dev3']);
  });

  test('immutable tag patterns protect from retention as keep-matching does', async () => {
    startDay();
    const project = newProject('ret');
    const repo = `${project}/app`;
    for (const [day, tag] of ['rel-1', 'x', 'rel-2'].entries()) {
      setDay(day);
      await push(repo, tag);
    }
    setDay(95);
    await push(repo, 'y');
    setDay(100);
    await setRules(project, [{ kind: 'keep-newest', count: 1 }, { kind: 'not-pulled-for', days: 30 }], ['rel-*']);
    assert.deepEqual(removals(await run(project, [repo])), [`${repo}:x by keep-newest 1`]);
    assert.deepEqual(await tags(repo), ['rel-1', 'rel-2', 'y']);
  });

  test('not-pulled-for D removes tags neither pulled nor pushed in D days and keeps recently pulled ones', async () => {
    startDay();
    const project = newProject('ret');
    const repo = `${project}/app`;
    setDay(0);
    const images = new Map<string, BuiltImage>();
    for (const tag of ['a', 'b', 'c', 'd']) images.set(tag, await push(repo, tag));
    setDay(5);
    expectStatus(await c.get(`/v2/${repo}/manifests/d`), 200, 'pull d, long ago');
    setDay(20);
    expectStatus(await c.get(`/v2/${repo}/manifests/b`), 200, 'pull b by tag');
    expectStatus(await c.head(`/v2/${repo}/manifests/${images.get('c')!.digest}`), 200, 'HEAD c by digest');
    await server.composed.pulls.flush();
    setDay(40);
    await push(repo, 'e');
    await setRules(project, [{ kind: 'not-pulled-for', days: 30 }]);
    const report = await run(project, [repo]);
    assert.deepEqual(removals(report), [`${repo}:a by not-pulled-for 30d`, `${repo}:d by not-pulled-for 30d`]);
    assert.deepEqual(await tags(repo), ['b', 'c', 'e']);

    // The stamps are the pulls' times: 31 days after them, b and c go too (e, pushed on day
    // 40, stays).
    setDay(51);
    assert.deepEqual(removals(await run(project, [repo])), [`${repo}:b by not-pulled-for 30d`, `${repo}:c by not-pulled-for 30d`]);
    assert.deepEqual(await tags(repo), ['e']);
  });

  test('untagged-older-than D removes old untagged manifests, never an index child, a referrer of a live manifest or a restorable one', async () => {
    startDay();
    const project = newProject('ret');
    const repo = `${project}/app`;
    setDay(0);
    const old = await push(repo, undefined);
    const child1 = await push(repo, undefined);
    const child2 = await push(repo, undefined);
    const index = indexManifest([descriptorOf(OCI_MANIFEST, child1.body), descriptorOf(OCI_MANIFEST, child2.body)]);
    const indexDigest = (await pushManifest(c, repo, 'multi', index, OCI_INDEX)).digest;
    const base = await push(repo, 'base');
    const signature = await push(repo, undefined, { subject: base });
    const orphanSignature = await push(repo, undefined, { subject: old });
    const deleted = await push(repo, 'gone');
    setDay(9);
    expectStatus(await c.delete(`/v2/${repo}/manifests/gone`), 202, 'delete a tag, restorable until day 16');
    setDay(9.9);
    const young = await push(repo, undefined);
    setDay(10);
    await setRules(project, [{ kind: 'untagged-older-than', days: 7 }]);
    const before = await usageOf(metadata, project);

    const report = await run(project, [repo]);
    assert.deepEqual(removals(report), [`${repo}@${old.digest} by untagged-older-than 7d`]);
    assert.equal(report.removed[0]!.tag, undefined);
    assert.equal(await manifestStatus(repo, old.digest), 404);
    for (const kept of [child1, child2, base, signature, orphanSignature, deleted, young]) {
      assert.equal(await manifestStatus(repo, kept.digest), 200, `kept ${kept.digest}`);
    }
    assert.equal(await manifestStatus(repo, indexDigest), 200);
    // Removed at once (it was untagged): its unique blobs leave the project's usage.
    assert.deepEqual(await usageOf(metadata, project), {
      ...before,
      blobs: before.blobs - 2,
      blobBytes: before.blobBytes - old.blobBytes,
      manifests: before.manifests - 1,
      manifestBytes: before.manifestBytes - old.body.length,
    });

    // Its subject gone, the orphaned signature is an ordinary old untagged manifest; once the
    // restore window of `gone` ends, so is that one.
    setDay(16.5);
    const next = await run(project, [repo]);
    assert.deepEqual(
      removals(next).sort(),
      [`${repo}@${orphanSignature.digest} by untagged-older-than 7d`, `${repo}@${deleted.digest} by untagged-older-than 7d`].sort(),
    );
    assert.equal(await manifestStatus(repo, young.digest), 200, 'young: created on day 9.9, 6.6 days ago');
    setDay(17);
    assert.deepEqual(removals(await run(project, [repo])), [`${repo}@${young.digest} by untagged-older-than 7d`]);
    for (const kept of [child1, child2, base, signature]) assert.equal(await manifestStatus(repo, kept.digest), 200);
  });

  test('a rule with `repositories` applies only to the repositories its glob matches', async () => {
    startDay();
    const project = newProject('ret');
    const repos = [`${project}/app-a`, `${project}/app-b`, `${project}/tools`, project];
    // Projects whose names sort next to this one's: never part of its run.
    const neighbours = [`${project}-app/app-a`, `${project}0/app-a`, `${project}_x/app-a`, `${project}.x/app-a`];
    for (const [day, tag] of ['t1', 't2', 't3'].entries()) {
      setDay(day);
      for (const repo of [...repos, ...neighbours]) await push(repo, tag);
    }
    setDay(10);
    await setRules(project, [
      { kind: 'keep-newest', count: 1, repositories: `${project}/app-*` },
      { kind: 'keep-newest', count: 2, repositories: project },
    ]);
    const report = await run(project, repos);
    const rule = `keep-newest 1 in ${project}/app-*`;
    assert.deepEqual(removals(report), [
      `${project}:t1 by keep-newest 2 in ${project}`,
      `${repos[0]}:t2 by ${rule}`,
      `${repos[0]}:t1 by ${rule}`,
      `${repos[1]}:t2 by ${rule}`,
      `${repos[1]}:t1 by ${rule}`,
    ]);
    assert.equal(report.repositories, 4);
    assert.deepEqual(await Promise.all(repos.map(tags)), [['t3'], ['t3'], ['t1', 't2', 't3'], ['t2', 't3']]);
    for (const repo of neighbours) assert.deepEqual(await tags(repo), ['t1', 't2', 't3'], `${repo} untouched`);
  });

  test('a tag pushed again after the dry run is not removed by the real run', async () => {
    startDay();
    const project = newProject('ret');
    const repo = `${project}/app`;
    setDay(0);
    const moved = await push(repo, 'moved');
    const same = await push(repo, 'same');
    await push(repo, 'stale');
    setDay(40);
    await setRules(project, [{ kind: 'not-pulled-for', days: 30 }]);
    const dry = await server.composed.retention.run(project, { dryRun: true });
    assert.deepEqual(removals(dry), ['moved', 'same', 'stale'].map((t) => `${repo}:${t} by not-pulled-for 30d`));
    const newer = await push(repo, 'moved');
    await pushManifest(c, repo, 'same', same.body, OCI_MANIFEST);
    const real = await server.composed.retention.run(project);
    assert.deepEqual(removals(real), [`${repo}:stale by not-pulled-for 30d`]);
    assert.deepEqual(await tags(repo), ['moved', 'same']);
    assert.notEqual(newer.digest, moved.digest);
    assert.equal(await manifestStatus(repo, `moved`), 200);
  });

  test('a push landing between the real run’s plan and its removal is skipped, not undone', async () => {
    startDay();
    const project = newProject('ret');
    const repo = `${project}/app`;
    setDay(0);
    const tagged = await push(repo, 'old');
    const untagged = await push(repo, undefined);
    await push(repo, 'other');
    setDay(40);
    await setRules(project, [{ kind: 'not-pulled-for', days: 30 }, { kind: 'untagged-older-than', days: 7 }]);
    let replacement: BuiltImage | undefined;
    // The store as the run sees it, with a push slipped in just before each conditional delete.
    const real = server.composed.registry.deps.metadata;
    const racing = new Proxy(real, {
      get(target, property) {
        if (property === 'deleteTagIf') {
          return async (repository: string, tag: string, digest: string) => {
            if (tag === 'old') replacement = await push(repo, 'old');
            return target.deleteTagIf(repository, tag, digest);
          };
        }
        if (property === 'deleteUntaggedManifest') {
          return async (repository: string, digest: string, createdBefore: Date, restorableSince: Date) => {
            await pushManifest(c, repo, 'rescued', untagged.body, OCI_MANIFEST);
            return target.deleteUntaggedManifest(repository, digest, createdBefore, restorableSince);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const retention = new Retention({
      metadata: racing,
      policies: server.composed.policies,
      now: clock.now,
      restoreWindowMs: RESTORE_WINDOW_DAYS * DAY,
    });
    const report = await retention.run(project);
    assert.deepEqual(removals(report), [`${repo}:other by not-pulled-for 30d`]);
    assert.deepEqual(
      report.skipped.map((r) => [r.tag, r.digest, r.rule]),
      [
        ['old', tagged.digest, 'not-pulled-for 30d'],
        [undefined, untagged.digest, 'untagged-older-than 7d'],
      ],
    );
    assert.deepEqual(report.rules, [
      { rule: 'not-pulled-for 30d', removes: 1 },
      { rule: 'untagged-older-than 7d', removes: 0 },
    ]);
    assert.deepEqual(await tags(repo), ['old', 'rescued']);
    const head = await c.head(`/v2/${repo}/manifests/old`, { headers: { accept: OCI_MANIFEST } });
    assert.equal(head.headers.get('docker-content-digest'), replacement!.digest);
    assert.equal(await manifestStatus(repo, untagged.digest), 200);
    await assertUsageInStep(metadata, 'after a raced retention run');
  });

  test('a project without rules removes nothing', async () => {
    startDay();
    const project = newProject('ret');
    const repo = `${project}/app`;
    await push(repo, 'a');
    clock.advance(400 * DAY);
    const report = await server.composed.retention.run(project);
    assert.deepEqual(report, { project, dryRun: false, removed: [], skipped: [], rules: [], repositories: 0 });
    assert.deepEqual(await tags(repo), ['a']);
  });
});
