#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 --heap-growing-percent=100
// The published entry point runs the compiled CLI; `npm install` builds it (the prepare script).
// The shebang caps V8's young generation at 4 MiB per semi-space (default 16): the registry's
// garbage is short-lived request objects, and the default costs ~30 MiB of resident memory
// for no measurable throughput. It must be a start-up flag; V8 ignores it set at run time.
// --heap-growing-percent=100 lets the old generation grow to twice what survived the last full
// GC before the next one (V8 picks 1.1–4× itself). V8 counts the external bytes allocated since
// that GC against the same limit, and a proxy fill's socket reads are such allocations: at
// V8's tightest factor a fill ran a full GC every ~12 MiB received; at its loosest the heap
// held ~50 MiB of dead request objects under load, the process's peak. Upload bodies no longer
// count: their chunks are freed once written. See docs/architecture-decisions.md.
// MALLOC_ARENA_MAX=2 stops glibc from giving each libuv worker thread its own malloc arena,
// which otherwise holds ~15 MiB of freed upload buffers resident.
import { existsSync } from 'node:fs';

// libuv's pool keeps its default 4 threads. Setting UV_THREADPOOL_SIZE here cannot work: an
// ES module entry is read through the pool, so the pool exists before this line runs; and 16
// threads, set from outside, measured no better on bench rows 1–5 and 9 (bench/README.md).

const cli = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('berth: not built yet; run `npm install` (or `npm run build`) in the checkout first');
  process.exit(1);
}
await import(cli.href);
