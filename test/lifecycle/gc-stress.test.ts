// Randomized: pushers (sharing layers), deleters (tags, manifests, repositories, mounts) and
// collectors with no grace period run at once, with the order of their steps shuffled at every
// checkpoint. Afterwards every surviving tag must read back whole, and one more collection must
// leave exactly the referenced blobs on disk. The seed is printed so a failure can be replayed.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { RegistryError } from '../../src/core/errors.js';
import { parseManifest } from '../../src/core/manifest/parse-manifest.js';
import { checkBlobTree } from '../crash/support/store-check.js';
import { Fixture, HOUR, sha256 } from './support/fixture.js';
import { seededRandom } from '../support/seeded-random.js';
import { databaseKinds } from '../support/test-database.js';

const REPOS = ['stress/a', 'stress/b', 'stress/c', 'stress/d'];
const TAGS = ['t0', 't1', 't2', 't3', 't4'];

const random = seededRandom;

/** Errors a client can get in a race and answers by retrying or moving on. */
function expected(error: unknown, kinds: string[]): boolean {
  return error instanceof RegistryError && kinds.includes(error.kind);
}

for (const database of databaseKinds()) test(`pushers, deleters and collectors at once never leave a manifest with missing bytes (${database})`, async (t) => {
  const seed = Number(process.env.BERTH_STRESS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (BERTH_STRESS_SEED=${seed} BERTH_TEST_DATABASES=${database} replays it)`);
  const rand = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  // A grace period most pushes outlast between uploading layers and putting the manifest; the
  // ones that do not are refused (MANIFEST_BLOB_UNKNOWN) and pushed again, as a client would.
  const f = await Fixture.create({ graceMs: 100, restoreWindowMs: 0, database });
  try {
    // Real elapsed time, so "older than the grace period" keeps becoming true as the test runs.
    let start = performance.now() - f.clock.ms;
    Object.defineProperty(f.clock, 'ms', {
      get: () => Math.floor(performance.now() - start),
      set: (value: number) => void (start -= value - Math.floor(performance.now() - start)),
    });
    f.checkpoint = async () => {
      for (let i = Math.floor(rand() * 4); i > 0; i--) await new Promise((resolve) => setImmediate(resolve));
    };
    const shared = Array.from({ length: 5 }, () => randomBytes(700));
    const stats = { pushed: 0, retried: 0, deleted: 0, mounted: 0, collections: 0, conflicts: 0 };

    const pusher = async (): Promise<void> => {
      for (let i = 0; i < 20; i++) {
        const repository = pick(REPOS);
        const layers = [pick(shared), randomBytes(300)];
        for (let attempt = 0; ; attempt++) {
          try {
            await f.pushImage(repository, pick(TAGS), { layers });
            stats.pushed++;
            break;
          } catch (error) {
            // A layer collected between its upload and the manifest (grace 0), or a digest
            // being deleted at that moment: the client pushes again.
            if (!expected(error, ['manifest-blob-unknown', 'too-many-requests']) || attempt > 50) throw error;
            stats.retried++;
          }
        }
      }
    };
    let pushing = 3;
    const yieldTurns = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    const deleter = async (): Promise<void> => {
      while (pushing > 0) {
        const repository = pick(REPOS);
        const roll = rand();
        try {
          if (roll < 0.5) {
            await f.registry.manifests.delete(repository, pick(TAGS));
          } else if (roll < 0.75) {
            const record = await f.registry.manifests.get(repository, pick(TAGS));
            await f.registry.manifests.delete(repository, record.digest);
          } else if (roll < 0.95) {
            const mounted = await f.registry.blobs.mount(repository, sha256(pick(shared)), undefined);
            if (mounted) stats.mounted++;
          } else {
            await f.lifecycle.deleteRepository(repository);
          }
          stats.deleted++;
        } catch (error) {
          if (!expected(error, ['manifest-unknown', 'name-unknown'])) throw error;
        }
        await yieldTurns(1 + Math.floor(rand() * 20));
      }
    };
    const collector = async (): Promise<void> => {
      while (pushing > 0) {
        try {
          await f.lifecycle.gc();
          stats.collections++;
        } catch (error) {
          if (!expected(error, ['conflict'])) throw error;
          stats.conflicts++;
        }
        await yieldTurns(Math.floor(rand() * 10));
      }
    };
    const done = (work: Promise<void>) => work.finally(() => pushing--);
    await Promise.all([done(pusher()), done(pusher()), done(pusher()), deleter(), deleter(), collector(), collector()]);
    t.diagnostic(JSON.stringify(stats));
    assert.ok(stats.collections > 0 && stats.pushed === 60);

    // Every surviving tag reads back whole: manifest bytes and every blob it names.
    f.checkpoint = undefined;
    const referenced = new Set<string>();
    let images = 0;
    for (const repository of REPOS) {
      for (const tag of await f.metadata.listTags(repository, {})) {
        const record = await f.registry.manifests.get(repository, tag);
        assert.equal(sha256(record.body), record.digest);
        for (const digest of parseManifest(record.body, record.mediaType).blobs) {
          assert.equal(await f.readBlob(repository, digest), digest, `${repository}:${tag} blob ${digest}`);
          referenced.add(digest);
        }
        images++;
      }
    }
    assert.ok(images > 0, 'some tags survive');

    // Once quiet, one collection leaves exactly what the surviving tags reference.
    f.clock.advance(HOUR);
    await f.lifecycle.gc();
    const tree = await checkBlobTree(f.root);
    assert.deepEqual(tree.problems, []);
    assert.deepEqual([...tree.digests].sort(), [...referenced].sort(), 'no unreferenced blob survives, no referenced one is missing');
  } finally {
    await f.close();
  }
});
