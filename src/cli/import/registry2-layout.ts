/**
 * Reads a registry:2 (Distribution) storage tree (ports/registry2-tree.ts: a directory or an
 * S3 bucket) without trusting it. The layout, learned from Distribution's storage paths:
 *
 *   docker/registry/v2/blobs/sha256/<hex[0:2]>/<hex>/data          the bytes
 *   docker/registry/v2/repositories/<name>/_layers/sha256/<hex>/link
 *   docker/registry/v2/repositories/<name>/_manifests/revisions/sha256/<hex>/link
 *   docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/current/link
 *   docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/index/sha256/<hex>/link
 *   docker/registry/v2/repositories/<name>/_uploads/<uuid>/...
 *
 * A link file holds `sha256:<hex>`. A repository is any directory under repositories/ holding
 * `_manifests` or `_layers`; its name is the path between (which may have several components).
 * Only `current/link` says what a tag names: the `index/` entries are every digest the tag
 * ever named, so reading them would bring deleted or moved tags back. A revision or layer
 * directory without its `link` is one Distribution deleted (it removes the file, not the
 * directory).
 *
 * Paths are built from validated names and digests, never from what a link file says.
 */
import { isValidTag } from '../../core/reference/reference.js';
import type { Registry2Tree } from '../../ports/registry2-tree.js';

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HEX = /^[a-f0-9]{64}$/;
/** registry:2's own repository name grammar, component by component. */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** A link file is 71 bytes; anything much longer is not one. */
export const MAX_LINK_BYTES = 256;
const V2 = 'docker/registry/v2';

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
  private constructor(readonly tree: Registry2Tree) {}

  /** Refuses a tree that is not a registry:2 root, with a message saying what is missing. */
  static async open(tree: Registry2Tree): Promise<Registry2Layout> {
    if (!(await tree.directories(V2)).includes('repositories')) {
      throw new NotRegistry2RootError(
        `${tree.description} is not a registry:2 storage root: docker/registry/v2/repositories/ is missing ` +
          '(give the directory mounted at /var/lib/registry, the one holding docker/, or the bucket and rootdirectory registry:2 used)',
      );
    }
    return new Registry2Layout(tree);
  }

  blobPath(digest: string): string {
    if (!DIGEST.test(digest)) throw new Error(`not a sha256 digest: ${digest}`);
    const hex = digest.slice(7);
    return `${V2}/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
  }

  /** The blob's size, or undefined when it is absent (or not a plain file). */
  blobSize(digest: string): Promise<number | undefined> {
    return this.tree.size(this.blobPath(digest));
  }

  /** Every repository, depth first in name order. */
  async *repositories(): AsyncGenerator<Registry2Repository> {
    yield* this.walk(`${V2}/repositories`, []);
  }

  private async *walk(dir: string, parts: string[]): AsyncGenerator<Registry2Repository> {
    const names = await this.tree.directories(dir);
    if (parts.length > 0 && (names.includes('_manifests') || names.includes('_layers'))) {
      yield await this.repository(dir, parts.join('/'));
    }
    for (const name of names) {
      if (name.startsWith('_') || !COMPONENT.test(name)) continue;
      yield* this.walk(`${dir}/${name}`, [...parts, name]);
    }
  }

  private async repository(dir: string, name: string): Promise<Registry2Repository> {
    const malformed: { path: string; why: string }[] = [];
    const links = async (under: string): Promise<string[]> => {
      const out: string[] = [];
      for (const hex of await this.tree.directories(under)) {
        if (!HEX.test(hex)) continue;
        const path = `${under}/${hex}/link`;
        const digest = await this.readLink(path);
        // No link file: Distribution deleted the manifest or layer and kept the directory.
        if (digest === undefined) continue;
        if (digest === `sha256:${hex}`) out.push(digest);
        else malformed.push({ path, why: 'the link names another digest' });
      }
      return out;
    };
    const layers = await links(`${dir}/_layers/sha256`);
    const revisions = await links(`${dir}/_manifests/revisions/sha256`);
    const tags = new Map<string, string>();
    const tagDir = `${dir}/_manifests/tags`;
    for (const tag of await this.tree.directories(tagDir)) {
      if (!isValidTag(tag)) {
        malformed.push({ path: `${tagDir}/${tag}`, why: 'not a valid tag name' });
        continue;
      }
      const path = `${tagDir}/${tag}/current/link`;
      const digest = await this.readLink(path);
      // No current/link: Distribution removed the tag (only index/ entries, if any, are left).
      if (digest !== undefined && DIGEST.test(digest)) tags.set(tag, digest);
      else if (digest !== undefined) malformed.push({ path, why: 'not a sha256 digest' });
    }
    const uploads = (await this.tree.directories(`${dir}/_uploads`)).length;
    return { name, layers, revisions, tags, uploads, malformed };
  }

  private async readLink(path: string): Promise<string | undefined> {
    const bytes = await this.tree.read(path, MAX_LINK_BYTES);
    return bytes?.toString('utf8').trim();
  }
}
