/**
 * Project storage quotas. Usage is what the project's manifests hold, deduplicated (see
 * ports/metadata-usage.ts). The authoritative check runs inside the manifest write's
 * transaction; uploads are checked earlier, against their declared length, so a push that
 * cannot fit is refused before its bytes are stored, where the client said how many.
 */
import type { MetadataUsage } from '../../ports/metadata-usage.js';
import type { ProjectPolicy } from '../../ports/policy-store.js';
import { projectOf } from '../../ports/project-name.js';
import { DeniedError } from '../errors.js';

/**
 * The refusal. The project is usually not over its quota yet (this push would take it over),
 * and rounded sizes alone can read "1.0 KiB used of 1.0 KiB": each size is given exactly, with
 * the readable form beside it once it reaches a KiB.
 */
export function quotaExceeded(project: string, usedBytes: number, addingBytes: number, limitBytes: number): DeniedError {
  return new DeniedError(
    `project ${project} would exceed its storage quota of ${exactBytes(limitBytes)}: ${exactBytes(usedBytes)} used, ` +
      `this push needs ${exactBytes(addingBytes)} more; delete what the project no longer needs, ` +
      `or a system admin can raise the quota: berth quota set ${project} SIZE`,
    { rule: 'quota', project, usedBytes, addingBytes, limitBytes },
  );
}

/** A size as people read it, with the exact byte count once it is over 1 KiB. */
export function exactBytes(n: number): string {
  return n < 1024 ? `${n} B` : `${formatBytes(n)} (${n} bytes)`;
}

/** 1536 → "1.5 KiB": sizes as people read them, in messages and reports. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** "10GiB", "500 MB", "1.5g", "2048" (bytes) → bytes; undefined when it is not a size. */
export function parseBytes(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?\s*$/i.exec(text);
  if (match === null) return undefined;
  const [, number, prefix] = match;
  // KB and KiB alike mean 1024: quotas are read as binary sizes, as du and docker show them.
  const power = ' kmgtp'.indexOf(prefix!.toLowerCase() || ' ');
  const bytes = Math.round(Number(number) * 1024 ** power);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
