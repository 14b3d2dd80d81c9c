/**
 * `berth rm REPO[:TAG|@DIGEST]` and `berth restore REPO:TAG` (or `--list REPO`).
 *
 * rm by tag and rm of a whole repository are restorable for `lifecycle.restorewindow`; rm by
 * digest is final (as a /v2 DELETE by digest is). Space comes back at the next collection.
 */
import { LifecycleUsageError, runLifecycleCommand } from './lifecycle-command.js';
import { RM_USAGE, RESTORE_USAGE } from './command-usage.js';

export interface ParsedReference {
  repository: string;
  tag?: string;
  digest?: string;
}

/** Splits `name[:tag]` or `name@digest`; a name has no ':' or '@' of its own. */
export function parseReference(text: string): ParsedReference {
  const at = text.indexOf('@');
  if (at !== -1) return { repository: text.slice(0, at), digest: text.slice(at + 1) };
  const colon = text.lastIndexOf(':');
  if (colon > text.lastIndexOf('/')) return { repository: text.slice(0, colon), tag: text.slice(colon + 1) };
  return { repository: text };
}

export async function runRm(args: string[]): Promise<number> {
  return runLifecycleCommand(RM_USAGE, args, {}, async ({ lifecycle, registry }, { positionals }, config) => {
    if (positionals.length !== 1) throw new LifecycleUsageError(positionals.length === 0 ? 'missing REPOSITORY' : 'one reference at a time');
    const ref = parseReference(positionals[0]!);
    const window = `${config.lifecycle.restoreWindowSeconds / 3600}h`;
    if (ref.digest !== undefined) {
      await registry.manifests.delete(ref.repository, ref.digest);
      process.stdout.write(`deleted ${ref.repository}@${ref.digest}\n`);
    } else if (ref.tag !== undefined) {
      await registry.manifests.delete(ref.repository, ref.tag);
      process.stdout.write(`deleted ${ref.repository}:${ref.tag} (berth restore ${ref.repository}:${ref.tag} within ${window})\n`);
    } else {
      const { tags } = await lifecycle.deleteRepository(ref.repository);
      process.stdout.write(
        `deleted repository ${ref.repository}: ${tags} tag(s), each restorable within ${window}; gone from /v2 now. ` +
          '`berth gc` frees its space after the restore window, `berth gc --now` at once (no restore after that)\n',
      );
    }
    return 0;
  });
}

export async function runRestore(args: string[]): Promise<number> {
  return runLifecycleCommand(RESTORE_USAGE, args, { list: { type: 'boolean' } }, async ({ lifecycle }, { values, positionals }) => {
    if (positionals.length !== 1) throw new LifecycleUsageError(positionals.length === 0 ? 'missing REPOSITORY:TAG' : 'one reference at a time');
    if (values.list === true) {
      const deleted = await lifecycle.deletedTags(positionals[0]!);
      if (deleted.length === 0) process.stdout.write('(none)\n');
      for (const d of deleted) process.stdout.write(`${d.tag}\t${d.digest}\tdeleted ${d.deletedAt.toISOString()}\n`);
      return 0;
    }
    const ref = parseReference(positionals[0]!);
    if (ref.tag === undefined) throw new LifecycleUsageError('give the tag to restore: REPOSITORY:TAG');
    const { digest } = await lifecycle.restoreTag(ref.repository, ref.tag);
    process.stdout.write(`restored ${ref.repository}:${ref.tag} -> ${digest}\n`);
    return 0;
  });
}
