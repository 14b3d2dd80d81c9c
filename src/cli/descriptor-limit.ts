/**
 * The connection cap only protects the server if the process may open more descriptors than
 * the cap needs: one per connection, a second per upload (its staging file), and some for the
 * database, the listener and blobs being served. Linux reports the limit in /proc; elsewhere
 * nothing is checked.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';

const SPARE = 100;

export function descriptorLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

export function warnIfDescriptorsShort(maxConnections: number, logger: Logger): void {
  const limit = descriptorLimit();
  if (limit === undefined) return;
  const needed = maxConnections === 0 ? undefined : 2 * maxConnections + SPARE;
  if (needed === undefined) {
    logger.warn({ descriptorLimit: limit }, 'http.maxconnections is 0 (no cap): a flood of connections can exhaust file descriptors');
  } else if (limit < needed) {
    logger.warn(
      { descriptorLimit: limit, maxConnections, needed },
      `the file descriptor limit (${limit}) is below what http.maxconnections needs (${needed}); raise it (ulimit -n, LimitNOFILE) or lower http.maxconnections to ${Math.floor((limit - SPARE) / 2)}`,
    );
  }
}
