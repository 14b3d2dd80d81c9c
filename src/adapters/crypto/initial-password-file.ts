/**
 * The InitialPasswordNote as `<root>/admin.password`, mode 0600: readable by the registry's
 * account (and root) only, like the signing key beside it.
 */
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { InitialPasswordNote } from '../../ports/initial-password.js';

export const INITIAL_PASSWORD_FILE = 'admin.password';

export class InitialPasswordFile implements InitialPasswordNote {
  readonly location: string;

  constructor(root: string) {
    this.location = join(root, INITIAL_PASSWORD_FILE);
  }

  async keep(password: string): Promise<void> {
    await mkdir(dirname(this.location), { recursive: true, mode: 0o700 });
    // Written aside and renamed: a crash never leaves a truncated password, and an older file
    // with a looser mode is replaced rather than rewritten in place.
    const temporary = `${this.location}.tmp-${process.pid}`;
    await writeFile(temporary, `${password}\n`, { mode: 0o600 });
    await rename(temporary, this.location);
  }

  async read(): Promise<string | undefined> {
    try {
      const text = (await readFile(this.location, 'utf8')).trim();
      return text === '' ? undefined : text;
    } catch {
      return undefined;
    }
  }

  async discard(): Promise<void> {
    await unlink(this.location).catch(() => undefined);
  }
}
