/**
 * Reads the built web UI (ui/dist: index.html and hashed files under assets/) into memory once
 * at start. Compressible files get gzip and Brotli variants here, or take the `.gz`/`.br`
 * files the build wrote beside them, so a request only picks one. The directory is found
 * relative to Berth's package root unless `ui.path` names another.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { UiBundle, UiFile } from '../ports/ui-bundle.js';

/** This file is dist/src/compose/ui-bundle.js once built: three levels below the package root. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DEFAULT_UI_PATH = join(PACKAGE_ROOT, 'ui', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt', '.webmanifest', '.ico']);
/** Not worth a variant: the headers outweigh the saving. */
const MIN_COMPRESS_BYTES = 256;

export async function loadUiBundle(path: string): Promise<UiBundle> {
  let index: Buffer;
  try {
    index = await readFile(join(path, 'index.html'));
  } catch {
    return { kind: 'missing', path };
  }
  const assets = new Map<string, UiFile>();
  const assetDir = join(path, 'assets');
  const isDir = await stat(assetDir).then((s) => s.isDirectory(), () => false);
  if (isDir) {
    for (const file of await filesUnder(assetDir)) {
      const ext = extname(file);
      if (ext === '.gz' || ext === '.br') continue;
      const key = relative(assetDir, file).split(sep).join('/');
      assets.set(key, await uiFile(file, await readFile(file)));
    }
  }
  return { kind: 'built', index: await uiFile(join(path, 'index.html'), index), assets };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

async function uiFile(path: string, body: Buffer): Promise<UiFile> {
  const ext = extname(path).toLowerCase();
  const compress = COMPRESSIBLE.has(ext) && body.length >= MIN_COMPRESS_BYTES;
  const smaller = (variant: Buffer | undefined) => (variant !== undefined && variant.length < body.length ? variant : undefined);
  const gzip = compress ? ((await readFile(`${path}.gz`).catch(() => undefined)) ?? gzipSync(body, { level: 9 })) : undefined;
  const br = compress
    ? ((await readFile(`${path}.br`).catch(() => undefined)) ??
      brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }))
    : undefined;
  return {
    body,
    gzip: smaller(gzip),
    br: smaller(br),
    contentType: TYPES[ext] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  };
}
