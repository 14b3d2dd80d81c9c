/**
 * Checks of the filesystem blob store's tree as it lies on disk, independent of the server:
 * after a kill, what a reader could be handed is whatever sits under blobs/, so every file
 * there must be whole. A partial blob would show up as a file whose bytes do not hash to its
 * name; a temporary file left inside the published tree would show up as a stray name.
 *
 * Layout (docs and filesystem-blob-store.ts): blobs/<algorithm>/<first two hex>/<hex>,
 * staging files under uploads/<id>.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

const HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };

export interface TreeReport {
  /** Digests of the well-formed, intact blobs found. */
  digests: Set<string>;
  bytes: number;
  /** One line per file or directory that breaks the layout or does not match its name. */
  problems: string[];
}

async function entries(dir: string): Promise<{ name: string; isDirectory: boolean; isFile: boolean }[]> {
  try {
    const found = await readdir(dir, { withFileTypes: true });
    return found.map((d) => ({ name: d.name, isDirectory: d.isDirectory(), isFile: d.isFile() }));
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return [];
    throw error;
  }
}

async function hashFile(path: string, algorithm: string): Promise<{ hex: string; size: number }> {
  const hash = createHash(algorithm);
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { hex: hash.digest('hex'), size };
}

/** Walks `<root>/blobs` and hashes every file. */
export async function checkBlobTree(root: string): Promise<TreeReport> {
  const report: TreeReport = { digests: new Set(), bytes: 0, problems: [] };
  const blobs = join(root, 'blobs');
  for (const algorithm of await entries(blobs)) {
    const algorithmDir = join(blobs, algorithm.name);
    const hexLength = HEX_LENGTH[algorithm.name];
    if (!algorithm.isDirectory || hexLength === undefined) {
      report.problems.push(`${algorithmDir}: not a digest algorithm directory`);
      continue;
    }
    for (const shard of await entries(algorithmDir)) {
      const shardDir = join(algorithmDir, shard.name);
      if (!shard.isDirectory || !/^[0-9a-f]{2}$/.test(shard.name)) {
        report.problems.push(`${shardDir}: not a two-hex shard directory`);
        continue;
      }
      for (const file of await entries(shardDir)) {
        const path = join(shardDir, file.name);
        const wellNamed = new RegExp(`^[0-9a-f]{${hexLength}}$`).test(file.name) && file.name.startsWith(shard.name);
        if (!file.isFile || !wellNamed) {
          report.problems.push(`${path}: stray entry in the published tree`);
          continue;
        }
        const { hex, size } = await hashFile(path, algorithm.name);
        if (hex !== file.name) {
          report.problems.push(`${path}: ${size} bytes hashing to ${algorithm.name}:${hex}, not to its name`);
          continue;
        }
        report.digests.add(`${algorithm.name}:${hex}`);
        report.bytes += size;
      }
    }
  }
  return report;
}

/** Names of the staging files under `<root>/uploads`. */
export async function stagingFiles(root: string): Promise<string[]> {
  return (await entries(join(root, 'uploads'))).map((e) => e.name).sort();
}
