/**
 * Renders the results as one markdown table. The ratio column is always oriented so that above
 * 1× means Berth did better, whichever way the row's unit points; notes go in trailing columns
 * so the numbers stay easy to scan.
 */
import { formatNumber } from './load-result.js';
import type { MachineInfo } from './machine.js';
import type { Profile } from './options.js';
import type { Measurement, Row } from './workload.js';

export type Outcome =
  | { ok: true; measurement: Measurement }
  | { ok: false; error: string }
  /** The workload cannot exist on this registry (e.g. an online GC on an offline-GC registry). */
  | { ok: false; notApplicable: string };

export type Target = 'distribution' | 'berth';

export interface Results {
  rows: Row[];
  /** Per target, per row id; a missing entry means the target was not run. */
  outcomes: Map<Target, Map<string, Outcome>>;
}

export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

export function value(outcome: Outcome | undefined): string {
  if (outcome === undefined) return 'not run';
  if (outcome.ok) return formatNumber(outcome.measurement.value);
  return 'notApplicable' in outcome ? 'n/a' : `error: ${outcome.error}`;
}

export function note(outcome: Outcome | undefined): string {
  if (outcome === undefined) return '';
  if (outcome.ok) return outcome.measurement.detail ?? '';
  return 'notApplicable' in outcome ? outcome.notApplicable : '';
}

function ratio(row: Row, distribution: Outcome | undefined, berth: Outcome | undefined): string {
  if (!distribution?.ok || !berth?.ok) return '—';
  for (const [name, outcome] of [['Distribution', distribution], ['Berth', berth]] as const) {
    if (outcome.measurement.incomparable) return `— (${name}: ${outcome.measurement.incomparable})`;
  }
  const d = distribution.measurement.value;
  const b = berth.measurement.value;
  const r = row.better === 'higher' ? b / d : d / b;
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : '—';
}

export function renderTable(info: MachineInfo, profile: Profile, results: Results): string {
  const d = results.outcomes.get('distribution');
  const b = results.outcomes.get('berth');
  const lines = [
    '# Berth vs Distribution',
    '',
    `- ${info.date}, profile **${profile.name}**${profile.name === 'quick' ? ' (smoke sizes: not for comparison)' : ''}`,
    `- ${info.cores} cores (${info.cpu}), load average ${info.load.toFixed(2)} at start, Node ${info.node}; the load generator shares these cores`,
    `- Distribution ${info.distribution} (Debian docker-registry), Berth ${info.berth}, skopeo ${info.skopeo}`,
    '- Both registries run at once, each on a fresh temp root on loopback; every row runs on one, then the other, the order reversed on every other row',
    '',
    '**Ratio: above 1× means Berth is better.** Rows marked ↑ (throughput) show Berth ÷ Distribution;',
    'rows marked ↓ (time, memory) show Distribution ÷ Berth.',
    '',
    '| # | Workload | Unit | Distribution | Berth | Ratio (>1× = Berth better) | Distribution notes | Berth notes |',
    '|---|---|---|---:|---:|---:|---|---|',
  ];
  for (const row of results.rows) {
    const dist = d?.get(row.id);
    const berth = b?.get(row.id);
    const unit = `${row.unit} ${row.better === 'higher' ? '↑' : '↓'}`;
    lines.push(
      `| ${[row.id, row.title, unit, value(dist), value(berth), ratio(row, dist, berth), note(dist), note(berth)]
        .map(cell)
        .join(' | ')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
