/**
 * What earlier runs of `berth migrate` into one destination finished, so a re-run skips it: the
 * blobs copied (or found) there and verified by digest, and whether the metadata was imported.
 *
 * A file beside the source's data (<root>/migrate/<destination id>.journal), appended one line
 * per fact after the fact is durable at the destination. A kill -9 can lose the last lines,
 * never add a false one: a blob missing from the journal is verified again (read back and
 * hashed) rather than trusted, so the journal only ever saves work, it never vouches for bytes
 * it did not see verified.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, writeSync, closeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';

export class MigrateJournal {
  readonly path: string;
  readonly verified = new Set<string>();
  metadataImported = false;
  private fd: number | undefined;
  private unsynced = 0;

  private constructor(path: string) {
    this.path = path;
  }

  /** Opens (creating) the journal for the destination described by `destinationKey`. */
  static open(sourceRoot: string, destinationKey: string): MigrateJournal {
    const dir = join(sourceRoot, 'migrate');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const id = createHash('sha256').update(destinationKey).digest('hex').slice(0, 16);
    const journal = new MigrateJournal(join(dir, `${id}.journal`));
    let text = '';
    try {
      text = readFileSync(journal.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of text.split('\n')) {
      const [kind, value] = line.split(' ');
      if (kind === 'blob' && value !== undefined && /^sha(256|512):[0-9a-f]+$/.test(value)) journal.verified.add(value);
      else if (kind === 'metadata') journal.metadataImported = true;
    }
    journal.fd = openSync(journal.path, 'a', 0o600);
    return journal;
  }

  blobVerified(digest: string): void {
    if (this.verified.has(digest)) return;
    this.verified.add(digest);
    this.append(`blob ${digest}\n`);
  }

  metadataDone(at: Date): void {
    this.metadataImported = true;
    this.append(`metadata ${at.toISOString()}\n`);
    this.sync();
  }

  private append(line: string): void {
    if (this.fd === undefined) throw new Error('journal closed');
    writeSync(this.fd, line);
    // Losing a tail only costs re-verification, so one fsync per 64 lines is plenty.
    if (++this.unsynced >= 64) this.sync();
  }

  private sync(): void {
    if (this.fd !== undefined && this.unsynced > 0) fsyncSync(this.fd);
    this.unsynced = 0;
  }

  close(): void {
    if (this.fd === undefined) return;
    this.sync();
    closeSync(this.fd);
    this.fd = undefined;
  }
}
