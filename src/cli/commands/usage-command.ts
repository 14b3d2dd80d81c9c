/** `berth usage [PROJECT] [--json]`: what projects (or one project's repositories) hold, against their quotas. */
import { formatBytes } from '../../core/lifecycle/quota.js';
import { withAdmin } from './admin-session.js';
import { parse } from './cli-args.js';
import { print, table } from './cli-output.js';
import { percentUsed, projectArgument } from './storage-output.js';
import { usageUsage } from './manage-usage.js';

export async function usageCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } }, usageUsage, { min: 0, max: 1 });
  const project = positionals[0] === undefined ? undefined : projectArgument(positionals[0]);
  return withAdmin(values.config, async ({ storage, actor }) => {
    if (project === undefined) {
      const projects = await storage.usageAll(actor);
      if (values.json) return print(JSON.stringify(projects, null, 2));
      const rows = projects.map((p) => [
        p.project,
        formatBytes(p.usedBytes),
        p.quotaBytes === undefined ? '-' : formatBytes(p.quotaBytes),
        percentUsed(p.usedBytes, p.quotaBytes),
        String(p.usage.manifests),
        String(p.usage.blobs),
      ]);
      return print(table(['PROJECT', 'USED', 'QUOTA', 'USED%', 'MANIFESTS', 'BLOBS'], rows));
    }
    const view = await storage.usage(actor, project);
    if (values.json) return print(JSON.stringify(view, null, 2));
    const quota = view.quotaBytes === undefined ? 'no quota' : `${formatBytes(view.quotaBytes)} quota, ${percentUsed(view.usedBytes, view.quotaBytes)}`;
    const lines = [
      `project ${project}: ${formatBytes(view.usedBytes)} used (${quota}); ${view.usage.manifests} manifest(s), ${view.usage.blobs} blob(s)`,
      '',
      table(
        ['REPOSITORY', 'USED', 'MANIFESTS', 'BLOBS'],
        view.repositories.map((r) => [r.repository, formatBytes(r.blobBytes + r.manifestBytes), String(r.manifests), String(r.blobs)]),
      ),
    ];
    print(lines.join('\n'));
  });
}
