/**
 * Distribution's `auth.htpasswd`: an Apache htpasswd file of bcrypt entries (`htpasswd -B`).
 * The file is re-read when its modification time changes, so adding a user needs no restart.
 * Entries in other formats (MD5, SHA1, crypt) are refused, as Distribution refuses them: they
 * are too weak to guard a registry.
 *
 * A file that cannot be read any more (removed, made unreadable, replaced by a directory) fails
 * closed: every check throws CredentialListUnreadableError until it can be read again, rather
 * than serving the last entries read (deleting the file may be how an operator revokes access).
 */
import { readFile, stat } from 'node:fs/promises';
import { CredentialListUnreadableError, type CredentialChecker } from '../../ports/credential-checker.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';

export class HtpasswdFile implements CredentialChecker {
  private entries = new Map<string, string>();
  private loadedMtimeMs = -1;
  private unreadable = false;

  constructor(
    private readonly path: string,
    private readonly hasher: PasswordHasher,
    private readonly onWarning: (message: string) => void,
  ) {}

  async check(username: string, password: string): Promise<boolean> {
    await this.reloadIfChanged();
    const hash = this.entries.get(username);
    return hash !== undefined && this.hasher.verify(password, hash);
  }

  private async reloadIfChanged(): Promise<void> {
    let text: string | undefined;
    let mtimeMs: number;
    try {
      ({ mtimeMs } = await stat(this.path));
      if (mtimeMs !== this.loadedMtimeMs || this.unreadable) text = await readFile(this.path, 'utf8');
    } catch (error) {
      this.entries = new Map();
      this.loadedMtimeMs = -1;
      const message = `htpasswd file ${this.path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); every login is refused with 503 until it can`;
      // Said once per outage, not once per request.
      if (!this.unreadable) this.onWarning(message);
      this.unreadable = true;
      throw new CredentialListUnreadableError(message, { cause: error });
    }
    if (this.unreadable) this.onWarning(`htpasswd file ${this.path} can be read again`);
    this.unreadable = false;
    if (text === undefined) return;
    const entries = new Map<string, string>();
    for (const [index, line] of text.split('\n').entries()) {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const colon = trimmed.indexOf(':');
      const user = trimmed.slice(0, colon);
      const hash = trimmed.slice(colon + 1);
      if (colon <= 0 || !/^\$2[aby]\$/.test(hash)) {
        this.onWarning(`${this.path}:${index + 1}: skipped; only bcrypt entries (htpasswd -B) are accepted`);
        continue;
      }
      entries.set(user, hash);
    }
    this.entries = entries;
    this.loadedMtimeMs = mtimeMs;
  }
}
