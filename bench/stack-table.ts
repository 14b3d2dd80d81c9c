/**
 * Renders the scale-out section as its own table under the main one: embedded, stack ×1 and
 * stack ×3 side by side, with two ratios oriented like the main table's (above 1× = the
 * right-hand target did better): what the stack costs one instance, and what two more buy.
 */
import type { MachineInfo } from './machine.js';
import type { Profile } from './options.js';
import type { StackResults } from './scale-out-section.js';
import { cell, note, value, type Outcome } from './table.js';
import type { Row } from './workload.js';

function ratio(row: Row, base: Outcome | undefined, other: Outcome | undefined): string {
  if (!base?.ok || !other?.ok) return '—';
  const b = base.measurement.value;
  const o = other.measurement.value;
  const r = row.better === 'higher' ? o / b : b / o;
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : '—';
}

export function renderStackTable(info: MachineInfo, profile: Profile, results: StackResults): string {
  const embedded = results.outcomes.get('embedded');
  const one = results.outcomes.get('stack ×1');
  const three = results.outcomes.get('stack ×3');
  const minutes = [...results.seconds.values()].reduce((a, b) => a + b, 0) / 60;
  const lines = [
    '',
    '## Scale-out stack: embedded vs 1 and 3 instances (issue 13)',
    '',
    `- Same rows and workload functions as above, profile **${profile.name}**, ${info.cores} cores, load average ${info.load.toFixed(2)} at the run's start; this section took ${minutes.toFixed(1)} min`,
    '- embedded: one `berth serve` (SQLite + files). stack ×N: N `berth serve` on one PostgreSQL database (the shared server on 127.0.0.1:5432) and one Ceph RGW bucket, behind Debian nginx (round-robin, no buffering); every Berth `http.workers: 1`; blob redirects off, so blob bytes pass through Berth',
    '- **The RGW is memstore: a correctness target, not a speed reference** (../shared/s3/README.md). The load generator, nginx, PostgreSQL, RGW and every Berth share these cores: see bench/README.md for what this can and cannot show about scaling',
    '',
    '| # | Workload | Unit | embedded | stack ×1 | stack ×3 | ×1 vs embedded | ×3 vs ×1 | embedded notes | stack ×1 notes | stack ×3 notes |',
    '|---|---|---|---:|---:|---:|---:|---:|---|---|---|',
  ];
  for (const row of results.rows) {
    const [e, o, t] = [embedded?.get(row.id), one?.get(row.id), three?.get(row.id)];
    const unit = `${row.unit} ${row.better === 'higher' ? '↑' : '↓'}`;
    const cells = [row.id, row.title, unit, value(e), value(o), value(t), ratio(row, e, o), ratio(row, o, t), note(e), note(o), note(t)];
    lines.push(`| ${cells.map(cell).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}
