#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 --initial-old-space-size=64
// The published entry point runs the compiled CLI; `npm install` builds it (the prepare script).
// The shebang caps V8's young generation at 4 MiB per semi-space (default 16): the registry's
// garbage is short-lived request objects, and the default costs ~30 MiB of resident memory
// for no measurable throughput. It must be a start-up flag; V8 ignores it set at run time.
// --initial-old-space-size=64 keeps the old generation's limit at 64 MiB or more: V8 counts the
// external bytes allocated since the last full GC against that limit, and every 64 KiB socket
// read is such an allocation, so with a ~22 MiB heap a full mark-compact ran every ~12 MiB
// received (45 per three 160 MiB proxy fills, half the fill's CPU; 9 with the flag, for ~15 MiB
// more peak RSS). See docs/architecture-decisions.md.
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
