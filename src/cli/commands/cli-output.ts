/** Human output for the management commands: aligned tables and short UTC times. */

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '(none)';
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `2025-03-01 12:00:05Z`: sortable, unambiguous, and short enough for a table. */
export function time(at: Date | undefined, none = '-'): string {
  return at === undefined ? none : `${at.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

/**
 * A secret shown once. The warning goes to stderr so stdout holds only results, and a script
 * can take the secret from the `label: secret` line.
 */
export function printSecret(label: string, secret: string): void {
  process.stdout.write(`${label}: ${secret}\n`);
  process.stderr.write('It is shown only now and cannot be recovered; store it safely.\n');
}
