/** Temporary config files for the config tests; each test removes what it wrote. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  path: string;
  write(name: string, contents: string): string;
  remove(): void;
}

export function tempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), 'berth-config-'));
  return {
    path,
    write(name, contents) {
      const file = join(path, name);
      writeFileSync(file, contents);
      return file;
    },
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}
