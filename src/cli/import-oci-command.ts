/**
 * `berth import oci DIR|FILE.tar --to REPOSITORY`: a tar is first extracted, with its own
 * refusals (oci/tar-extract.ts), into a private temporary directory beside nothing else, then
 * read like a directory (oci/oci-import.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeAdmin } from '../compose/compose-admin.js';
import { projectOf } from '../core/access/actions.js';
import { ConflictError } from '../core/errors.js';
import { formatBytes } from '../core/lifecycle/quota.js';
import { DEFAULT_MAX_MANIFEST_BYTES } from '../core/registry/registry-deps.js';
import { assertName } from '../core/reference/reference.js';
import { CLI_ACTOR } from './commands/admin-session.js';
import { LifecycleUsageError, runLifecycleCommand } from './lifecycle-command.js';
import { importLayout, LayoutRefusedError } from './oci/oci-import.js';
import { extractLayoutTar, LayoutArchiveError } from './oci/tar-extract.js';

/** index.json is read whole: as large as the largest manifest Berth accepts. */
export const MAX_INDEX_BYTES = DEFAULT_MAX_MANIFEST_BYTES;

export async function runImportOci(args: string[], usage: string): Promise<number> {
  return runLifecycleCommand(usage, args, { to: { type: 'string' }, json: { type: 'boolean' } }, async ({ registry }, { values, positionals }, config) => {
    if (positionals.length !== 1) throw new LifecycleUsageError(positionals.length === 0 ? 'missing DIR or FILE.tar' : 'one layout at a time');
    if (typeof values.to !== 'string' || values.to === '') throw new LifecycleUsageError('--to REPOSITORY is required');
    const repository = values.to;
    assertName(repository);
    const source = positionals[0]!;
    let dir = source;
    let scratch: string | undefined;
    try {
      if (source.endsWith('.tar')) {
        scratch = await mkdtemp(join(tmpdir(), 'berth-import-oci-'));
        await extractLayoutTar(source, scratch);
        dir = scratch;
      }
      if (config.auth.mode === 'builtin') {
        const admin = await composeAdmin(config, (error) => process.stderr.write(`warning: the audit log could not be written: ${String(error)}\n`));
        try {
          await admin.admin.projects.create(CLI_ACTOR, projectOf(repository), 'private');
          process.stderr.write(`import: created private project ${projectOf(repository)}\n`);
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
        } finally {
          await admin.close();
        }
      }
      const summary = await importLayout(dir, registry, repository, { maxIndexBytes: MAX_INDEX_BYTES, maxManifestBytes: DEFAULT_MAX_MANIFEST_BYTES });
      if (values.json === true) {
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      } else {
        process.stdout.write(
          `Imported into ${repository}: ${summary.tags} tags, ${summary.manifests} manifests, ${summary.blobs} blobs (${formatBytes(summary.bytes)})` +
            (summary.alreadyThere > 0 ? `; ${summary.alreadyThere} already there` : '') + '\n',
        );
        for (const k of summary.skipped) process.stdout.write(`  skipped, ${k.reason}: ${k.what}${k.detail === undefined ? '' : ` (${k.detail})`}\n`);
      }
      return summary.skipped.length > 0 ? 1 : 0;
    } catch (error) {
      if (!(error instanceof LayoutRefusedError) && !(error instanceof LayoutArchiveError)) throw error;
      process.stderr.write(`berth import: ${error.message}\n`);
      return 1;
    } finally {
      if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    }
  });
}
