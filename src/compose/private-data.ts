/**
 * The data root holds password hashes, the audit log, the token signing key and every pushed
 * blob, so only the registry's own account may read it. New files are created private by the
 * adapters (and `berth` runs with umask 077); this tightens what older versions created
 * readable (0644 files in 0755 directories), once at start, and says so in the log.
 *
 * Only the directories are tightened, not each blob: a 0700 root already keeps every other
 * account out, and walking millions of blobs would delay every start.
 */
import { chmod, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

const PRIVATE_DIRECTORY = 0o700;
const PRIVATE_FILE = 0o600;

export async function tightenDataRoot(root: string, databasePath: string, logger: Logger): Promise<void> {
  const targets: Array<[string, number]> = [
    [root, PRIVATE_DIRECTORY],
    ...['blobs', 'uploads', 'auth'].map((dir): [string, number] => [join(root, dir), PRIVATE_DIRECTORY]),
  ];
  if (databasePath !== ':memory:' && databasePath !== '') {
    for (const suffix of ['', '-wal', '-shm']) targets.push([`${databasePath}${suffix}`, PRIVATE_FILE]);
  }
  const tightened: string[] = [];
  for (const [path, mode] of targets) {
    let current: number;
    try {
      current = (await stat(path)).mode & 0o777;
    } catch {
      continue; // not there yet: it will be created private
    }
    if ((current & 0o077) === 0) continue;
    try {
      await chmod(path, mode);
      tightened.push(`${path} (${current.toString(8)} → ${mode.toString(8)})`);
    } catch (error) {
      logger.warn({ path, mode: current.toString(8), err: error }, 'could not make a data path private; other accounts on this machine may read it');
    }
  }
  if (tightened.length > 0) {
    logger.warn({ paths: tightened }, 'made the data root private: other accounts on this machine could read it (created by an older version or a loose umask)');
  }
}
