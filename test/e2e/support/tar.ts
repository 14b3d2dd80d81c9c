/**
 * A minimal ustar writer: enough for image layers and `docker save` archives, and deterministic
 * (fixed mtime, uid, gid) so the same input always yields the same digest.
 */

export interface TarEntry {
  /** Path inside the archive, relative, at most 100 bytes (no prefix field is used). */
  path: string;
  /** File contents; omit for a directory. */
  content?: Buffer | string;
  mode?: number;
}

const block = 512;
const fixedMtime = 1_700_000_000;

export function tar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const isDir = entry.content === undefined;
    const body = isDir ? Buffer.alloc(0) : Buffer.from(entry.content ?? '');
    const name = isDir && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
    parts.push(header(name, body.length, isDir ? '5' : '0', entry.mode ?? (isDir ? 0o755 : 0o644)));
    parts.push(body, Buffer.alloc((block - (body.length % block)) % block));
  }
  parts.push(Buffer.alloc(block * 2));
  return Buffer.concat(parts);
}

function header(name: string, size: number, type: '0' | '5', mode: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: path too long for a plain ustar header: ${name}`);
  const h = Buffer.alloc(block);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, fixedMtime);
  h.fill(' ', 148, 156);
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

function octal(h: Buffer, offset: number, length: number, value: number): void {
  h.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}
