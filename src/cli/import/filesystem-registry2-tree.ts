/**
 * A registry:2 tree in a local directory. No symbolic link is followed: every directory on a
 * path is checked with lstat (once, then remembered) and files are opened with O_NOFOLLOW, so
 * a crafted tree cannot point the importer, or the hard link it makes (which drops the file's
 * write bits), at a file outside the root.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Registry2Tree } from '../../ports/registry2-tree.js';

const NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;

export class FilesystemRegistry2Tree implements Registry2Tree {
  private readonly realDirs = new Set<string>();

  constructor(readonly root: string) {}

  get description(): string {
    return this.root;
  }

  async directories(path: string): Promise<string[]> {
    if (!(await this.isRealDir(path))) return [];
    const entries = await readdir(join(this.root, path), { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  }

  async size(path: string): Promise<number | undefined> {
    const info = await this.file(path);
    return info?.size;
  }

  async read(path: string, limit: number): Promise<Buffer | undefined> {
    const info = await this.file(path);
    if (info === undefined || info.size > limit) return undefined;
    const handle = await open(join(this.root, path), NO_FOLLOW);
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async open(path: string): Promise<Readable> {
    if ((await this.file(path)) === undefined) throw new Error(`${join(this.root, path)} is not a file in the tree`);
    return (await open(join(this.root, path), NO_FOLLOW)).createReadStream();
  }

  localPath(path: string): string {
    return join(this.root, path);
  }

  async close(): Promise<void> {}

  private async file(path: string): Promise<Stats | undefined> {
    const parent = path.split('/').slice(0, -1).join('/');
    if (!(await this.isRealDir(parent))) return undefined;
    const info = await lstat(join(this.root, path)).catch(() => undefined);
    return info?.isFile() ? info : undefined;
  }

  /** Whether `path` and every directory above it (below the root) is a directory, not a link. */
  private async isRealDir(path: string): Promise<boolean> {
    const parts = path === '' ? [] : path.split('/');
    // The root itself may be a link (an operator's /var/lib/registry often is); below it nothing may.
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (this.realDirs.has(dir)) continue;
      const info = await lstat(join(this.root, dir)).catch(() => undefined);
      if (!info?.isDirectory()) return false;
      this.realDirs.add(dir);
    }
    return true;
  }
}
