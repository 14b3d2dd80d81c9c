#!/usr/bin/env node
// The published entry point runs the compiled CLI; `npm install` builds it (the prepare script).
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
