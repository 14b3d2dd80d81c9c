// The layering rule from ARCHITECTURE.md, enforced: imports only point down.
//   core      → core, and `import type` from ports; no fastify, SQL, node:fs or SDKs
//   ports     → ports (and node built-ins for types)
//   http      → core, ports (types), http; never adapters, compose or cli
//   adapters  → ports, adapters; never core, http, compose or cli
//   compose   → anything but cli and http
//   ui/       → nothing from src/ (checked over ui/**/*.{ts,tsx,js,mjs}, ui/dist excluded)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? '.');
const src = join(root, 'src');
const layerOf = (file) => relative(src, file).split('/')[0];
const allowed = {
  core: ['core', 'ports'],
  ports: ['ports'],
  http: ['http', 'core', 'ports'],
  adapters: ['adapters', 'ports'],
  compose: ['compose', 'adapters', 'core', 'ports', 'config'],
  config: ['config'],
  cli: ['cli', 'compose', 'config', 'http', 'core', 'ports'],
};
const forbiddenPackages = {
  core: [/^fastify/, /^kysely/, /^better-sqlite3/, /^pg$/, /^node:fs/, /^fs$/, /^@aws-sdk/, /^ioredis/, /^pino/],
  ports: [/^fastify/, /^kysely/, /^better-sqlite3/, /^node:fs/],
  http: [/^kysely/, /^better-sqlite3/, /^pg$/, /^@aws-sdk/],
};

function walk(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.includes('/testing/')) out.push(path);
  }
  return out;
}

/** The web UI's own sources (not its build output or installed packages). */
function walkUi(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== 'dist' && entry !== 'node_modules') walkUi(path, out);
    } else if (/\.(ts|tsx|mts|js|jsx|mjs)$/.test(entry)) out.push(path);
  }
  return out;
}

const problems = [];
for (const file of walk(src)) {
  const layer = layerOf(file);
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm)) {
    const [, , typeOnly, spec] = match;
    const where = `${relative(root, file)}: ${spec}`;
    if (spec.startsWith('.')) {
      const target = layerOf(resolve(dirname(file), spec));
      if (!(allowed[layer] ?? []).includes(target)) problems.push(`${where} (${layer} may not import ${target})`);
      else if (layer === 'core' && target === 'ports' && !typeOnly && !/ports\/[a-z-]+\.js$/.test(spec)) {
        problems.push(`${where} (core imports only types and error classes from ports)`);
      }
    } else if ((forbiddenPackages[layer] ?? []).some((re) => re.test(spec)) && !typeOnly) {
      problems.push(`${where} (${layer} may not depend on ${spec})`);
    }
  }
}
// The UI runs in a browser and talks to the server over HTTP only: it shares no code with src/,
// so a server refactor cannot break the page's bundle and nothing server-side leaks into it.
// Dynamic import() and require() count too.
const srcDir = src + '/';
for (const file of walkUi(join(root, 'ui'))) {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?from\s+)?['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]/g),
  ].map((m) => m[1]);
  for (const spec of specs) {
    const where = `${relative(root, file)}: ${spec}`;
    // Vite resolves '/x' from the UI's root (ui/), so only relative paths can climb out to src/.
    const target = spec.startsWith('.') ? resolve(dirname(file), spec) : spec.startsWith('/') ? join(root, 'ui', spec) : null;
    if ((target !== null && (target + '/').startsWith(srcDir)) || /^berth(\/|$)/.test(spec)) problems.push(`${where} (ui may not import from src/)`);
  }
}

if (problems.length) {
  console.error(`layer check: ${problems.length} import(s) point the wrong way:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('layer check: ok');
