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
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync, type ZlibOptions } from 'node:zlib';
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

/**
 * A variant the build wrote beside the file (scripts/compress-ui.mjs), used only while it still
 * decodes to the file: a file edited after the build gets compressed afresh instead of served
 * stale. Brotli at quality 11 cost every process ~0.2 s of CPU at start; decoding costs ~1 ms.
 */
async function prebuilt(path: string, body: Buffer, decode: (b: Buffer, options: ZlibOptions) => Buffer): Promise<Buffer | undefined> {
  const variant = await readFile(path).catch(() => undefined);
  if (variant === undefined) return undefined;
  try {
    // Decoding stops (throws) past the file's length: a variant that inflates further is not it.
    return decode(variant, { maxOutputLength: Math.max(1, body.length) }).equals(body) ? variant : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a UI file gets gzip and Brotli variants; the build's compress-ui script asks too. */
export function isCompressible(path: string, body: Buffer): boolean {
  return COMPRESSIBLE.has(extname(path).toLowerCase()) && body.length >= MIN_COMPRESS_BYTES;
}

export function gzipUiFile(body: Buffer): Buffer {
  return gzipSync(body, { level: 9 });
}

export function brotliUiFile(body: Buffer): Buffer {
  return brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
}

async function uiFile(path: string, body: Buffer): Promise<UiFile> {
  const compress = isCompressible(path, body);
  const smaller = (variant: Buffer | undefined) => (variant !== undefined && variant.length < body.length ? variant : undefined);
  const gzip = compress ? ((await prebuilt(`${path}.gz`, body, gunzipSync)) ?? gzipUiFile(body)) : undefined;
  const br = compress ? ((await prebuilt(`${path}.br`, body, brotliDecompressSync)) ?? brotliUiFile(body)) : undefined;
  return {
    body,
    gzip: smaller(gzip),
    br: smaller(br),
    contentType: TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  };
}
