/**
 * What a browser downloads before the first page can render: the scripts, module preloads and
 * stylesheets index.html names, each gzipped as the server sends them (it precompresses with
 * zlib's default level). Lazily loaded chunks are not counted: they arrive after first paint.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface BundleFile {
  path: string;
  bytes: number;
  gzipBytes: number;
}

export function initialBundle(distDir: string): BundleFile[] {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8');
  const paths = new Set<string>();
  for (const match of html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="(\/assets\/[^"]+)"/g)) paths.add(match[1]!);
  return [...paths].map((path) => {
    const body = readFileSync(join(distDir, path));
    return { path, bytes: body.length, gzipBytes: gzipSync(body).length };
  });
}
