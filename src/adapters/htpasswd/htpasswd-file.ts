/**
 * Distribution's `auth.htpasswd`: an Apache htpasswd file of bcrypt entries (`htpasswd -B`).
 * The file is re-read when its modification time changes, so adding a user needs no restart.
 * Entries in other formats (MD5, SHA1, crypt) are refused, as Distribution refuses them: they
 * are too weak to guard a registry.
 */
import { readFile, stat } from 'node:fs/promises';
import type { CredentialChecker } from '../../ports/credential-checker.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';

export class HtpasswdFile implements CredentialChecker {
  private entries = new Map<string, string>();
  private loadedMtimeMs = -1;

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
    const { mtimeMs } = await stat(this.path);
    if (mtimeMs === this.loadedMtimeMs) return;
    const entries = new Map<string, string>();
    for (const [index, line] of (await readFile(this.path, 'utf8')).split('\n').entries()) {
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
