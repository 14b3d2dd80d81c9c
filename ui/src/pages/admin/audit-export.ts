/**
 * Exports of the audit log: the server streams every matching event as JSON lines
 * (GET /api/v1/audit?format=jsonl); CSV is made here from those lines, so both hold exactly the
 * same events. A result filter (which the API does not take) is applied to both here.
 */
import { ApiError } from '../../api';
import type { AuditEvent } from './types';

export const CSV_COLUMNS: Array<keyof AuditEvent> = ['id', 'time', 'actor', 'action', 'result', 'count', 'clientIp', 'repository', 'reference', 'detail'];

/** RFC 4180 quoting, and a leading ' before = + - @ so a spreadsheet never runs a cell as a formula. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(events: AuditEvent[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const event of events) lines.push(CSV_COLUMNS.map((key) => csvCell(event[key])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export async function fetchAllEvents(query: URLSearchParams, result: string): Promise<AuditEvent[]> {
  const params = new URLSearchParams(query);
  params.set('format', 'jsonl');
  const response = await fetch(`/api/v1/audit?${params}`, { credentials: 'same-origin', headers: { Accept: 'application/x-ndjson' } });
  if (!response.ok) throw new ApiError(response.status, `HTTP_${response.status}`, `The export failed (${response.status}).`);
  const events = (await response.text())
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as AuditEvent);
  return result ? events.filter((e) => e.result === result) : events;
}

/** Saves text as a file through a temporary object URL (no data: URI: the CSP forbids them). */
export function download(text: string, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
