/**
 * `berth export REPOSITORY[:TAG]... --to DIR|FILE.tar`: writes an OCI image layout
 * (oci/oci-export.ts) that skopeo, podman, containerd and `berth import oci` read.
 */
import { formatBytes } from '../core/lifecycle/quota.js';
import { ExportRefusedError, exportLayout, type ExportRef } from './oci/oci-export.js';
import { LifecycleUsageError, runLifecycleCommand } from './lifecycle-command.js';
import { parseReference } from './restore.js';
import { EXPORT_USAGE } from './command-usage.js';

export async function runExport(args: string[]): Promise<number> {
  return runLifecycleCommand(EXPORT_USAGE, args, { to: { type: 'string' } }, async ({ registry }, { values, positionals }) => {
    if (typeof values.to !== 'string' || values.to === '') throw new LifecycleUsageError('--to DIR|FILE.tar is required');
    if (positionals.length === 0) throw new LifecycleUsageError('name at least one REPOSITORY[:TAG]');
    const refs: ExportRef[] = positionals.map((text) => {
      const ref = parseReference(text);
      if (ref.digest !== undefined) throw new LifecycleUsageError(`export by tag, not by digest: ${text}`);
      return ref.tag === undefined ? { repository: ref.repository } : { repository: ref.repository, tag: ref.tag };
    });
    try {
      const summary = await exportLayout(registry, refs, values.to);
      for (const image of summary.images) process.stdout.write(`${image.ref}\t${image.digest}\n`);
      process.stdout.write(`Exported ${summary.images.length} image(s) to ${values.to}: ${summary.manifests} manifests, ${summary.blobs} blobs, ${formatBytes(summary.bytes)}\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof ExportRefusedError)) throw error;
      process.stderr.write(`berth export: ${error.message}\n`);
      return 1;
    }
  });
}
