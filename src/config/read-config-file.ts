/**
 * Reads a Distribution-style config.yml into a raw tree. Nothing here throws for bad input: an
 * unreadable or malformed file becomes problems with file:line:column, so `berth config check`
 * and `berth serve` report it the same way.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { normalizeNameOnly } from './normalize-name-only.js';
import { describe, emptyMap, isRawMap, toRawValue, type RawMap } from './raw-value.js';
import { YAML_OPTIONS } from './yaml-options.js';

export type FileReadResult = { ok: true; tree: RawMap; warnings: string[] } | { ok: false; problems: string[] };

export function readConfigFile(file: string, cwd: string): FileReadResult {
  let source: string;
  try {
    source = readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    return { ok: false, problems: [`${file}: ${readFailure(error)}`] };
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { ...YAML_OPTIONS, lineCounter });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    return { ok: false, problems: doc.errors.map((error) => `${at(error.pos[0])}: ${error.message}`) };
  }
  const warnings = doc.warnings.map((warning) => `${at(warning.pos[0])}: ${warning.message}`);

  let value;
  try {
    value = toRawValue(doc.toJS());
  } catch (error) {
    // Alias bombs and similar are reported by toJS rather than by the parser.
    return { ok: false, problems: [`${file}: ${(error as Error).message}`] };
  }
  if (value === null) return { ok: true, tree: emptyMap(), warnings };
  if (!isRawMap(value)) {
    return { ok: false, problems: [`${file}: expected a mapping of settings at the top level, got ${describe(value)}`] };
  }
  normalizeNameOnly(value);
  return { ok: true, tree: value, warnings };
}

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory, not a config file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return `cannot be read (${code ?? (error as Error).message})`;
  }
}
