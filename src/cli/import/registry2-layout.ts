/**
 * Reads a registry:2 (Distribution) filesystem root without trusting it. The layout, learned
 * from Distribution's storage paths:
 *
 *   <root>/docker/registry/v2/blobs/sha256/<hex[0:2]>/<hex>/data          the bytes
 *   <root>/docker/registry/v2/repositories/<name>/_layers/sha256/<hex>/link
 *   <root>/docker/registry/v2/repositories/<name>/_manifests/revisions/sha256/<hex>/link
 *   <root>/docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/current/link
 *   <root>/docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/index/sha256/<hex>/link
 *   <root>/docker/registry/v2/repositories/<name>/_uploads/<uuid>/...
 *
 * A link file holds `sha256:<hex>`. A repository is any directory under repositories/ holding
 * `_manifests` or `_layers`; its name is the path between (which may have several components).
 * Only `current/link` says what a tag names: the `index/` entries are every digest the tag
 * ever named, so reading them would bring deleted or moved tags back.
 *
 * Paths are built from validated names and digests, never from what a link file says, and no
 * symbolic link is followed: a crafted tree cannot make the importer read outside the root.
 */
import { constants } from 'node:fs';
import { lstat, open, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isValidTag } from '../../core/reference/reference.js';

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HEX = /^[a-f0-9]{64}$/;
/** registry:2's own repository name grammar, component by component. */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** A link file is 71 bytes; anything much longer is not one. */
const MAX_LINK_BYTES = 256;

export class NotRegistry2RootError extends Error {}

export interface Registry2Repository {
  name: string;
  /** Digests of `_layers` links that are well formed (a blob may still be missing). */
  layers: string[];
  revisions: string[];
  /** Tag → the digest its current/link names, in name order. */
  tags: Map<string, string>;
  /** Upload directories, which the import skips. */
  uploads: number;
  /** What could not be read as a link: path → why. */
  malformed: { path: string; why: string }[];
}

export class Registry2Layout {
  readonly v2: string;
  private readonly checkedDirs = new Set<string>();

  private constructor(readonly root: string) {
    this.v2 = join(root, 'docker', 'registry', 'v2');
  }

  /** Refuses a directory that is not a registry:2 root, with a message saying what is missing. */
  static async open(root: string): Promise<Registry2Layout> {
    const layout = new Registry2Layout(root);
    const info = await lstat(root).catch(() => undefined);
    if (!info?.isDirectory()) throw new NotRegistry2RootError(`${root} is not a directory`);
    for (const part of ['docker/registry/v2', 'docker/registry/v2/repositories']) {
      const at = await lstat(join(root, part)).catch(() => undefined);
      if (!at?.isDirectory()) {
        throw new NotRegistry2RootError(
          `${root} is not a registry:2 storage root: ${part}/ is missing (give the directory mounted at /var/lib/registry, the one holding docker/)`,
        );
      }
    }
    return layout;
  }

  blobPath(digest: string): string {
    if (!DIGEST.test(digest)) throw new Error(`not a sha256 digest: ${digest}`);
    const hex = digest.slice(7);
    return join(this.v2, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
  }

  /**
   * The blob's size, or undefined when it is absent or not a plain file. Every directory on
   * the way must be a real directory: a symbolic link there would let a crafted tree point the
   * importer (and its hard link, which drops the file's write bits) at a file outside the root.
   */
  async blobSize(digest: string): Promise<number | undefined> {
    const path = this.blobPath(digest);
    const hex = digest.slice(7);
    for (const dir of [join(this.v2, 'blobs'), join(this.v2, 'blobs', 'sha256'), join(this.v2, 'blobs', 'sha256', hex.slice(0, 2)), dirname(path)]) {
      if (this.checkedDirs.has(dir)) continue;
      const info = await lstat(dir).catch(() => undefined);
      if (!info?.isDirectory()) return undefined;
      this.checkedDirs.add(dir);
    }
    const info = await lstat(path).catch(() => undefined);
    return info?.isFile() ? info.size : undefined;
  }

  /** Every repository, depth first in name order. */
  async *repositories(): AsyncGenerator<Registry2Repository> {
    yield* this.walk(join(this.v2, 'repositories'), []);
  }

  private async *walk(dir: string, parts: string[]): AsyncGenerator<Registry2Repository> {
    const entries = await readdir(dir, { withFileTypes: true });
    const names = new Set(entries.filter((e) => e.isDirectory()).map((e) => e.name));
    if (parts.length > 0 && (names.has('_manifests') || names.has('_layers'))) {
      yield await this.repository(dir, parts.join('/'));
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!entry.isDirectory() || entry.name.startsWith('_')) continue;
      if (!COMPONENT.test(entry.name)) continue;
      yield* this.walk(join(dir, entry.name), [...parts, entry.name]);
    }
  }

  private async repository(dir: string, name: string): Promise<Registry2Repository> {
    const malformed: { path: string; why: string }[] = [];
    const links = async (under: string): Promise<string[]> => {
      const out: string[] = [];
      for (const hex of await dirNames(under)) {
        if (!HEX.test(hex)) continue;
        const path = join(under, hex, 'link');
        const digest = await readLink(path);
        // No link file: Distribution deleted the manifest or layer and kept the directory.
        if (digest === undefined) continue;
        if (digest === `sha256:${hex}`) out.push(digest);
        else malformed.push({ path, why: 'the link names another digest' });
      }
      return out;
    };
    const layers = await links(join(dir, '_layers', 'sha256'));
    const revisions = await links(join(dir, '_manifests', 'revisions', 'sha256'));
    const tags = new Map<string, string>();
    const tagDir = join(dir, '_manifests', 'tags');
    for (const tag of (await dirNames(tagDir)).sort()) {
      if (!isValidTag(tag)) {
        malformed.push({ path: join(tagDir, tag), why: 'not a valid tag name' });
        continue;
      }
      const path = join(tagDir, tag, 'current', 'link');
      const digest = await readLink(path);
      // No current/link: Distribution removed the tag (only index/ entries, if any, are left).
      if (digest !== undefined && DIGEST.test(digest)) tags.set(tag, digest);
      else if (digest !== undefined) malformed.push({ path, why: 'not a sha256 digest' });
    }
    const uploads = (await dirNames(join(dir, '_uploads'))).length;
    return { name, layers, revisions, tags, uploads, malformed };
  }
}

/** Names of the directories (not symbolic links) under `dir`; none when it is absent. */
async function dirNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

async function readLink(path: string): Promise<string | undefined> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isFile() || info.size > MAX_LINK_BYTES) return undefined;
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text?.trim();
}

/** Reads a small file whole (a manifest), refusing more than `limit` bytes. */
export async function readSmallFile(path: string, limit: number): Promise<Buffer | undefined> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isFile() || info.size > limit) return undefined;
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
