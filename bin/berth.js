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

// fsync, file writes and reads all run on libuv's pool (4 threads by default): with dozens of
// concurrent pushes, a few long fsyncs would otherwise queue every pull behind them. The size
// must be set before the pool's first use, hence here.
process.env.UV_THREADPOOL_SIZE ??= '16';

const cli = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('berth: not built yet; run `npm install` (or `npm run build`) in the checkout first');
  process.exit(1);
}
await import(cli.href);
