// Writes the gzip and Brotli variants of the built web UI beside each file (name.gz, name.br),
// so a starting Berth reads them instead of spending ~0.2 s of CPU compressing (every worker
// and every test server pays that otherwise). Run by `npm run build:ui` after vite, with the
// server's own build in dist/, whose rules it uses so build and server never disagree.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliUiFile, gzipUiFile, isCompressible } from '../dist/src/compose/ui-bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'ui', 'dist');

async function* files(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile() && extname(path) !== '.gz' && extname(path) !== '.br') yield path;
  }
}

let written = 0;
for await (const path of files(root)) {
  const body = await readFile(path);
  if (!isCompressible(path, body)) continue;
  await writeFile(`${path}.gz`, gzipUiFile(body));
  await writeFile(`${path}.br`, brotliUiFile(body));
  written++;
}
process.stdout.write(`compress-ui: gzip and Brotli variants of ${written} file(s) in ui/dist\n`);
