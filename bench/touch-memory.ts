/**
 * Writes once to every page of memory the kernel has free, then exits, giving it back. On this
 * kind of machine (a guest booted with `deferred_init=lazy`) memory costs far more to write the
 * first time it is used: until every page has been used once, whichever row writes gigabytes
 * into new page cache pays for it, and a freshly booted machine measured Berth's 1 GiB push at
 * 240–261 MiB/s against 616–706 once its memory had been used. A registry host that has run
 * for a while has touched its memory, and that is the machine the bench means to measure.
 * Memory the host has taken back since (free page reporting) costs again; this cannot help.
 *
 *   node dist/bench/touch-memory.js   (run.js starts it before the first row)
 */
import { readFileSync } from 'node:fs';

const PIECE = 256 * 1024 * 1024;
/** Left untouched, so the kernel need not evict the page cache of what the run just installed. */
const MARGIN = 1024 * 1024 * 1024;

const free = Number(/^MemFree:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) * 1024;
const pieces = Math.max(0, Math.floor((free - MARGIN) / PIECE));
const held: Buffer[] = [];
for (let i = 0; i < pieces; i++) held.push(Buffer.allocUnsafeSlow(PIECE).fill(1));
process.stdout.write(`${((pieces * PIECE) / 1024 ** 3).toFixed(1)}\n`);
