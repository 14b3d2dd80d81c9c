/**
 * A finished collection without its lists, as the API shows "the last collection": kept in the
 * metadata store so every instance behind a load balancer, and a `berth gc` run elsewhere,
 * show the same one. The store keeps it as text; this file owns its shape both ways.
 */
import type { GcReport, HeldGroup } from './gc-report.js';

export type GcSummary = Omit<GcReport, 'repositories' | 'blobs'>;

export function gcSummaryOf(report: GcReport): GcSummary {
  const { repositories: _repositories, blobs: _blobs, ...summary } = report;
  return summary;
}

export function gcSummaryText(summary: GcSummary): string {
  return JSON.stringify(summary);
}

/** The summary `gcSummaryText` wrote; undefined for text that is not one (never a throw). */
export function gcSummaryFromText(text: string): GcSummary | undefined {
  try {
    const raw = JSON.parse(text) as GcSummary & { startedAt: string; cutoff: string };
    const date = (value: unknown): Date | undefined => (typeof value === 'string' ? new Date(value) : undefined);
    const group = (g: HeldGroup): HeldGroup => ({ ...g, releaseFrom: date(g.releaseFrom), releaseUntil: date(g.releaseUntil) });
    const startedAt = date(raw.startedAt);
    const cutoff = date(raw.cutoff);
    if (startedAt === undefined || cutoff === undefined || typeof raw.held !== 'object' || raw.held === null) return undefined;
    return {
      ...raw,
      startedAt,
      cutoff,
      held: { ...raw.held, grace: group(raw.held.grace), restoreWindow: group(raw.held.restoreWindow) },
    };
  } catch {
    return undefined;
  }
}
