/**
 * How long repository search takes at 100,000 repositories (the budget: < 50 ms), on a
 * SQLite file: the metadata store's LIKE query alone, and the whole search as /v1/search runs
 * it (counting every visible match, then slicing a page), for a selective and a broad term,
 * unrestricted and through a visibility filter. Run: node dist/bench/search-scale.js [count]
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqlite } from '../src/adapters/metadata/sqlite-database.js';
import { searchRepositories } from '../src/core/registry/repository-search.js';

const count = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'berth-search-bench-'));
const path = join(dir, 'metadata.db');
try {
  const setup = openSqlite({ path });
  await setup.metadata.migrate();
  await setup.close();
  const raw = new Database(path);
  const insert = raw.prepare('insert into repositories (name, created_at, description) values (?, ?, ?)');
  raw.transaction(() => {
    for (let i = 0; i < count; i++) {
      insert.run(`project-${i % 500}/service-${i}`, Date.now(), i % 3 === 0 ? `Service number ${i}, a small web thing` : null);
    }
  })();
  raw.close();

  const stores = openSqlite({ path });
  const store = stores.metadata;
  const time = async (label: string, run: () => Promise<unknown>) => {
    await run();
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      await run();
      runs.push(performance.now() - start);
    }
    runs.sort((a, b) => a - b);
    console.log(`${label.padEnd(58)} median ${runs[2]!.toFixed(1)} ms  max ${runs[4]!.toFixed(1)} ms`);
  };
  const halfVisible = async (names: string[]) => names.filter((n) => Number(/project-(\d+)/.exec(n)?.[1]) % 2 === 0);
  console.log(`${count} repositories`);
  await time('store: selective term "service-4242", first 25', () => store.searchRepositories('service-4242', { limit: 25 }));
  await time('store: broad term "web", first 25', () => store.searchRepositories('web', { limit: 25 }));
  await time('store: no match "zzzz", first 25', () => store.searchRepositories('zzzz', { limit: 25 }));
  await time('search: selective, unrestricted', () => searchRepositories(store, 'service-4242', 1, 25, undefined));
  await time('search: broad "web", unrestricted (counts 10,000)', () => searchRepositories(store, 'web', 1, 25, undefined));
  await time('search: broad "web", half visible', () => searchRepositories(store, 'web', 1, 25, halfVisible));
  await time('search: no match, unrestricted', () => searchRepositories(store, 'zzzz', 1, 25, undefined));
  await stores.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
