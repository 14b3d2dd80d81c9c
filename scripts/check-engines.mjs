// Every installed package must run on every Node version Berth claims (package.json `engines`):
// npm only warns (EBADENGINE) when one does not, and a warning in an install log is easy to miss,
// so CI runs this and fails instead. It reads package-lock.json, which is what `npm ci` installs.
//
// The versions checked are the lowest one Berth claims and the first release of every later major
// up to the running Node: a dependency that needs a newer minor of a claimed major fails here,
// and the fix is to pin or override it (package.json `overrides`) or to raise Berth's claim.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Parses "20", "20.1", "v20.1.2", "20.x" into [major, minor, patch]; a wildcard part is 0. */
function parseVersion(text) {
  const parts = text.replace(/^[v=]/, '').split('.');
  return [0, 1, 2].map((i) => {
    const n = Number.parseInt(parts[i] ?? '0', 10);
    return Number.isNaN(n) ? 0 : n;
  });
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** How many leading parts of a partial version are given ("20" → 1, "20.1.x" → 2). */
function precision(text) {
  return text.replace(/^[v=]/, '').split('.').filter((p) => p !== '' && !/^[x*X]$/.test(p)).length;
}

/** The exclusive upper bound of a partial version: "20" → 21.0.0, "20.1" → 20.2.0. */
function nextAfter(text) {
  const [major, minor] = parseVersion(text);
  const given = precision(text);
  if (given <= 1) return [major + 1, 0, 0];
  if (given === 2) return [major, minor + 1, 0];
  return null;
}

/** One comparator ("^20.1", ">=18", "20.x", "*") as a test on a version. */
function comparator(token) {
  const match = /^(\^|~|>=|<=|>|<|=)?\s*(.*)$/.exec(token);
  const [, op = '', text] = match;
  if (text === '' || /^[x*X]$/.test(text)) return () => true;
  const v = parseVersion(text);
  switch (op) {
    case '>=': return (x) => compare(x, v) >= 0;
    case '>': return (x) => compare(x, v) > 0;
    case '<': return (x) => compare(x, v) < 0;
    case '<=': return (x) => compare(x, v) <= 0;
    case '^': {
      const upper = v[0] > 0 ? [v[0] + 1, 0, 0] : v[1] > 0 ? [0, v[1] + 1, 0] : [0, 0, v[2] + 1];
      return (x) => compare(x, v) >= 0 && compare(x, upper) < 0;
    }
    case '~': {
      const upper = precision(text) <= 1 ? [v[0] + 1, 0, 0] : [v[0], v[1] + 1, 0];
      return (x) => compare(x, v) >= 0 && compare(x, upper) < 0;
    }
    default: {
      const upper = nextAfter(text);
      return upper ? (x) => compare(x, v) >= 0 && compare(x, upper) < 0 : (x) => compare(x, v) === 0;
    }
  }
}

/** Whether `version` satisfies an npm range (`||`, space-separated AND, hyphen ranges, ^ ~ x). */
export function satisfies(version, range) {
  const v = parseVersion(version);
  return range.split('||').some((alternative) => {
    const text = alternative.trim();
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
    if (hyphen) {
      const upper = nextAfter(hyphen[2]);
      return compare(v, parseVersion(hyphen[1])) >= 0 && (upper ? compare(v, upper) < 0 : compare(v, parseVersion(hyphen[2])) <= 0);
    }
    const tokens = text.replace(/(\^|~|>=|<=|>|<|=)\s+/g, '$1').split(/\s+/).filter(Boolean);
    return tokens.every((token) => comparator(token)(v));
  });
}

/** The versions to check: the lowest Berth claims, then x.0.0 of each later major up to `current`. */
export function versionsToCheck(claimed, current) {
  const lowest = /(?:>=|\^|~)?\s*v?(\d+(?:\.\d+){0,2})/.exec(claimed);
  if (!lowest) throw new Error(`cannot find the lowest Node version in engines "${claimed}"`);
  const start = parseVersion(lowest[1]);
  const versions = [start.join('.')];
  const [currentMajor] = parseVersion(current);
  for (let major = start[0] + 1; major <= currentMajor; major++) {
    if (satisfies(`${major}.0.0`, claimed)) versions.push(`${major}.0.0`);
  }
  if (satisfies(current, claimed) && !versions.includes(current)) versions.push(current);
  return versions;
}

/** Every (package, its engines.node, a claimed version it excludes) in a parsed package-lock.json. */
export function findEngineConflicts(lock, claimed, current) {
  const versions = versionsToCheck(claimed, current);
  const conflicts = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '') continue;
    const range = entry.engines?.node;
    if (typeof range !== 'string') continue;
    // Platform packages npm skips elsewhere are still checked: CI may run on any of them.
    for (const version of versions) {
      if (!satisfies(version, range)) {
        conflicts.push({ name: path.replace(/^.*node_modules\//, ''), version: entry.version, range, excludes: version });
        break;
      }
    }
  }
  return conflicts;
}

function main() {
  const root = resolve(process.argv[2] ?? '.');
  const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(resolve(root, 'package-lock.json'), 'utf8'));
  const claimed = pkg.engines?.node;
  if (!claimed) {
    console.error('check-engines: package.json has no engines.node');
    process.exit(1);
  }
  const conflicts = findEngineConflicts(lock, claimed, process.versions.node);
  for (const c of conflicts) {
    console.error(`check-engines: ${c.name}@${c.version} requires node ${c.range}, which excludes ${c.excludes} (Berth claims ${claimed}); pin or override it in package.json`);
  }
  if (conflicts.length > 0) process.exit(1);
  console.log(`check-engines: every dependency supports node ${claimed}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
