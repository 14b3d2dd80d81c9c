#!/usr/bin/env node
// The published entry point runs the compiled CLI; `npm install` builds it (the prepare script).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('berth: not built yet; run `npm install` (or `npm run build`) in the checkout first');
  process.exit(1);
}
await import(cli.href);
