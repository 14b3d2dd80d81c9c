/**
 * Command-line flags and the two size profiles. `--quick` exists so CI and developers can check
 * the harness end to end in about a minute; its numbers are for smoke, not for comparison.
 */
import { parseArgs } from 'node:util';

export interface Profile {
  name: 'full' | 'quick';
  /** Distinct 1 MiB blobs pushed in the monolithic-push row. */
  smallPushCount: number;
  /** The "1 GiB" blob, shrunk in quick mode so /tmp and the run stay small. */
  bigBlobBytes: number;
  chunkedTotalBytes: number;
  chunkBytes: number;
  /** Distinct 1 MiB blobs the pull and HEAD rows cycle through. */
  pullSetSize: number;
  /** Fixed-duration rows (GET/HEAD) run this long after the warm-up. */
  durationMs: number;
  warmupMs: number;
  manifestPutCount: number;
  catalogRepos: number;
  tagCount: number;
  /** Repetitions of the listing walks; the median is reported. */
  listingRuns: number;
  skopeoLayers: number;
  skopeoRuns: number;
  /** Small images (config + 2 small layers) seeded, deleted by digest, then collected (row 14). */
  gcImages: number;
  /** Tagged images seeded beside them that the collection must leave alone. */
  gcLiveImages: number;
  /** Images (three 256 KiB–1 MiB layers) pushed in each of rows 15–15c; also the old images they delete. */
  gcPushImages: number;
  /** How long the mixed workload (row 18) runs. */
  mixedMs: number;
  /** Size of each of the ten layers of an image pulled through a proxy (rows 16–16d). */
  proxyLayerBytes: number;
}

const full: Profile = {
  name: 'full',
  smallPushCount: 2048,
  bigBlobBytes: 1024 * 1024 * 1024,
  chunkedTotalBytes: 256 * 1024 * 1024,
  chunkBytes: 8 * 1024 * 1024,
  pullSetSize: 64,
  durationMs: 5000,
  warmupMs: 1000,
  manifestPutCount: 4000,
  catalogRepos: 5000,
  tagCount: 10_000,
  listingRuns: 5,
  skopeoLayers: 10,
  skopeoRuns: 3,
  gcImages: 2000,
  gcLiveImages: 200,
  gcPushImages: 600,
  proxyLayerBytes: 16 * 1024 * 1024,
  mixedMs: 60_000,
};

const quick: Profile = {
  name: 'quick',
  smallPushCount: 128,
  bigBlobBytes: 64 * 1024 * 1024,
  chunkedTotalBytes: 32 * 1024 * 1024,
  chunkBytes: 8 * 1024 * 1024,
  pullSetSize: 16,
  durationMs: 1000,
  warmupMs: 200,
  manifestPutCount: 300,
  catalogRepos: 300,
  tagCount: 500,
  listingRuns: 2,
  skopeoLayers: 10,
  skopeoRuns: 1,
  gcImages: 300,
  gcLiveImages: 30,
  gcPushImages: 100,
  proxyLayerBytes: 1024 * 1024,
  mixedMs: 5000,
};

export interface Options {
  /** Row ids or substrings of "<id> <title>" (case-insensitive); empty selects every row. */
  only: string[];
  profile: Profile;
  /** Which registries to run, in order (Distribution first: it is the baseline). */
  targets: ('distribution' | 'berth')[];
  /** Run Berth with its access control on, every request authenticated (Basic, as the admin). */
  auth: boolean;
  /** Berth's worker processes (--workers; 0, the default, is Berth's own default: one per core). */
  workers: number;
  /**
   * The scale-out section (embedded vs stack ×1 vs stack ×3): asked for with `--only stack`, or
   * part of any run without --only that includes Berth. It needs PostgreSQL and Ceph RGW, and
   * adds minutes, so a run of a few rows does not pay for it.
   */
  stack: boolean;
  /** The Berth vs Distribution table; false only when `--only stack` is the whole selection. */
  mainTable: boolean;
}

/** The `--only` value that selects the scale-out section rather than rows of the main table. */
export const STACK_SECTION = 'stack';

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      auth: { type: 'boolean', default: false },
      target: { type: 'string', multiple: true },
      help: { type: 'boolean', default: false },
      workers: { type: 'string' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: node dist/bench/run.js [--quick] [--auth] [--workers N] [--only <row-substring>|stack]... [--target distribution|berth]...\n',
    );
    process.exit(0);
  }
  const targets = (values.target ?? ['distribution', 'berth']).map((t) => {
    if (t !== 'distribution' && t !== 'berth') throw new Error(`unknown --target ${t}`);
    return t;
  });
  const only = (values.only ?? []).map((s) => s.toLowerCase());
  const rest = only.filter((o) => o !== STACK_SECTION);
  const askedStack = rest.length < only.length;
  return {
    only: rest,
    profile: values.quick ? quick : full,
    targets,
    auth: values.auth ?? false,
    workers: workersOption(values.workers),
    stack: askedStack || (only.length === 0 && targets.includes('berth')),
    mainTable: !askedStack || rest.length > 0,
  };
}

function workersOption(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d{1,3}$/.test(text)) throw new Error(`--workers: expected a whole number (0: one per core), got "${text}"`);
  return Number(text);
}

/**
 * `--only` values that are exactly a row id ("1", "11b") pick that row alone, since "1" is a
 * substring of half the titles; anything else matches "<id> <title>" as a substring.
 */
export function selectRows<T extends { id: string; title: string }>(options: Options, rows: T[]): T[] {
  if (options.only.length === 0) return rows;
  const ids = new Set(rows.map((r) => r.id.toLowerCase()));
  return rows.filter((row) =>
    options.only.some((o) =>
      ids.has(o) ? o === row.id.toLowerCase() : `${row.id} ${row.title}`.toLowerCase().includes(o),
    ),
  );
}
