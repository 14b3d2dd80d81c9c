/**
 * `berth import registry2 DIR [--copy] [--json] [--config FILE]`: brings a registry:2 storage
 * root into this registry (import/registry2-import.ts), with progress on stderr and a summary
 * on stdout. Exit 0 when everything was imported, 1 when something was skipped (the summary
 * says what and why) or refused, 2 for a wrong command line, 130 when interrupted.
 */
import { composeAdmin } from '../compose/compose-admin.js';
import { projectOf } from '../core/access/actions.js';
import { ConflictError } from '../core/errors.js';
import { DEFAULT_MAX_MANIFEST_BYTES } from '../core/registry/registry-deps.js';
import { formatBytes } from '../core/lifecycle/quota.js';
import { CLI_ACTOR } from './commands/admin-session.js';
import { AuditLog } from '../core/access/audit-log.js';
import { importProgress } from './import/import-progress.js';
import { importRegistry2, type ImportSummary } from './import/registry2-import.js';
import { NotRegistry2RootError, Registry2Layout } from './import/registry2-layout.js';
import { LifecycleUsageError, runLifecycleCommand } from './lifecycle-command.js';
import { FilesystemRegistry2Tree } from './import/filesystem-registry2-tree.js';
import { openS3Registry2Tree } from '../compose/registry2-tree.js';
import type { Registry2Tree } from '../ports/registry2-tree.js';
import type { Registry } from '../core/registry/registry.js';
import type { BerthConfig } from '../config/config.js';
import { runImportOci } from './import-oci-command.js';
import { IMPORT_USAGE } from './command-usage.js';

export async function runImport(args: string[]): Promise<number> {
  const [kind, ...rest] = args;
  if (kind === 'oci') return runImportOci(rest, IMPORT_USAGE);
  if (kind !== 'registry2') {
    process.stderr.write(`berth import: ${kind === undefined ? 'missing source kind' : `unknown source kind "${kind}"`} (registry2, oci)\n${IMPORT_USAGE}\n`);
    return 2;
  }
  return runLifecycleCommand(IMPORT_USAGE, rest, { copy: { type: 'boolean' }, json: { type: 'boolean' }, 's3-endpoint': { type: 'string' }, 's3-region': { type: 'string' } }, async ({ registry }, { values, positionals }, config) => {
    if (positionals.length !== 1) throw new LifecycleUsageError(positionals.length === 0 ? 'missing DIR' : 'one directory at a time');
    const source = positionals[0]!;
    const endpoint = typeof values['s3-endpoint'] === 'string' ? values['s3-endpoint'] : undefined;
    const region = typeof values['s3-region'] === 'string' ? values['s3-region'] : undefined;
    const tree = (await openS3Registry2Tree(source, { endpoint, region })) ?? new FilesystemRegistry2Tree(source);
    if ((endpoint !== undefined || region !== undefined) && tree instanceof FilesystemRegistry2Tree) {
      throw new LifecycleUsageError('--s3-endpoint and --s3-region go with an s3://BUCKET source');
    }
    try {
      return await importFrom(tree, values.copy === true, values.json === true, registry, config);
    } finally {
      await tree.close();
    }
  });
}

async function importFrom(tree: Registry2Tree, copy: boolean, json: boolean, registry: Registry, config: BerthConfig): Promise<number> {
  let layout: Registry2Layout;
  try {
    layout = await Registry2Layout.open(tree);
  } catch (error) {
    if (!(error instanceof NotRegistry2RootError)) throw error;
    process.stderr.write(`berth import: ${error.message}\n`);
    return 1;
  }
  const admin = config.auth.mode === 'builtin'
    ? await composeAdmin(config, (error) => process.stderr.write(`warning: the audit log could not be written: ${String(error)}\n`))
    : undefined;
  // As a push over /v2 is: one audit row per tag, by the CLI (the projects are audited too).
  const audit = admin === undefined ? undefined : new AuditLog(admin.store, () => new Date(), (error) => process.stderr.write(`warning: the audit log could not be written: ${String(error)}\n`));
  const projects = new Set<string>();
  const progress = importProgress(process.stderr);
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  let summary: ImportSummary;
  try {
    summary = await importRegistry2(layout, registry, {
      copy,
      maxManifestBytes: DEFAULT_MAX_MANIFEST_BYTES,
      onProgress: progress.report,
      onTag: audit === undefined ? undefined : (repository, tag, digest) =>
        audit.record({ actor: 'cli', clientIp: undefined, action: 'push', result: 'success', repository, reference: tag, detail: `imported ${digest} from registry:2 (${tree.description})` }),
      signal: stop.signal,
      ensureProject: admin === undefined ? undefined : async (repository) => {
        const name = projectOf(repository);
        if (projects.has(name)) return;
        projects.add(name);
        try {
          await admin.admin.projects.create(CLI_ACTOR, name, 'private');
          process.stderr.write(`import: created private project ${name}\n`);
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
        }
      },
    });
  } catch (error) {
    progress.finish();
    if (stop.signal.aborted) {
      process.stderr.write('berth: import interrupted; what it imported is kept: run the same command again to continue\n');
      return 130;
    }
    throw error;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await admin?.close();
  }
  progress.finish();
  process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : `${describeImport(summary)}\n`);
  return summary.skipped.length > 0 ? 1 : 0;
}

export function describeImport(s: ImportSummary): string {
  const lines = [
    `Imported ${s.repositories} repositories: ${s.tags} tags, ${s.manifests} manifests, ${s.blobs} blob links ` +
      `(${s.linked} hard-linked, ${s.copied} copied, ${formatBytes(s.bytes)} new to the store)` +
      (s.alreadyThere > 0 ? `; ${s.alreadyThere} already imported` : ''),
  ];
  if (s.uploadsSkipped > 0) lines.push(`Skipped ${s.uploadsSkipped} unfinished upload(s) (clients push again)`);
  if (s.skipped.length > 0) {
    lines.push(`Skipped ${s.skipped.length}:`);
    for (const k of s.skipped) lines.push(`  ${k.reason}: ${k.repository} ${k.what}${k.detail === undefined ? '' : ` (${k.detail})`}`);
  }
  lines.push(`Done in ${(s.durationMs / 1000).toFixed(1)} s.`);
  return lines.join('\n');
}
