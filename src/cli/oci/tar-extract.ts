/**
 * Extracts an OCI image layout tar (`berth import oci FILE.tar`) into an empty private
 * directory, refusing anything a layout never needs and an attacker would: absolute names,
 * `..` components, symbolic and hard links, devices, and more entries or bytes than the limits.
 * Regular files and directories are the whole vocabulary; pax and GNU long-name headers are
 * understood so archives made by GNU tar or skopeo read back.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';

const BLOCK = 512;

export class LayoutArchiveError extends Error {}

export interface ExtractLimits {
  maxEntries: number;
  /** Largest metadata header (pax, GNU long name) read into memory. */
  maxHeaderBytes: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = { maxEntries: 1_000_000, maxHeaderBytes: 64 * 1024 };

/** Streams `tarPath` into `into` (which must exist and be empty). */
export async function extractLayoutTar(tarPath: string, into: string, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS): Promise<void> {
  let pending: Buffer = Buffer.alloc(0);
  let file: { handle: FileHandle; left: number; pad: number } | undefined;
  let skip = 0;
  let meta: { type: string; left: number; pad: number; chunks: Buffer[] } | undefined;
  let longName: string | undefined;
  let entries = 0;
  let ended = false;

  const place = (raw: string): string => {
    const name = raw.replace(/^\.\//, '');
    if (name === '' || name === '.' || name === './') return '';
    if (name.startsWith('/') || name.split('/').includes('..')) throw new LayoutArchiveError(`the archive names a path outside the layout: ${JSON.stringify(raw)}`);
    const path = normalize(join(into, name));
    if (path !== into && !path.startsWith(into + sep)) throw new LayoutArchiveError(`the archive names a path outside the layout: ${JSON.stringify(raw)}`);
    return path;
  };

  const onHeader = async (block: Buffer): Promise<void> => {
    if (block.every((b) => b === 0)) {
      ended = true;
      return;
    }
    const checksum = parseOctal(block, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    if (checksum !== sum) throw new LayoutArchiveError('not a tar archive (a header checksum does not match)');
    if (++entries > limits.maxEntries) throw new LayoutArchiveError(`the archive has more than ${limits.maxEntries} entries`);
    const type = String.fromCharCode(block[156] || 0x30);
    const size = parseOctal(block, 124, 12);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    const prefix = cString(block, 345, 155);
    const name = longName ?? (prefix === '' ? cString(block, 0, 100) : `${prefix}/${cString(block, 0, 100)}`);
    longName = undefined;
    if (type === 'x' || type === 'L' || type === 'g') {
      if (size > limits.maxHeaderBytes) throw new LayoutArchiveError(`a tar metadata header of ${size} bytes is over the limit`);
      meta = { type, left: size, pad, chunks: [] };
      return;
    }
    if (type === '1' || type === '2') throw new LayoutArchiveError(`the archive holds a link (${JSON.stringify(name)}); an OCI layout has only files and directories`);
    if (type === '5') {
      const path = place(name);
      if (path !== '') await mkdir(path, { recursive: true, mode: 0o700 });
      return;
    }
    if (type !== '0' && type !== '7') throw new LayoutArchiveError(`the archive holds an entry of type ${JSON.stringify(type)} (${JSON.stringify(name)}); an OCI layout has only files and directories`);
    const path = place(name);
    if (path === '') throw new LayoutArchiveError(`the archive names a file without a name`);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // 'wx': a second entry of one name is refused rather than silently replacing the first.
    const handle = await open(path, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') throw new LayoutArchiveError(`the archive holds ${JSON.stringify(name)} twice`);
      throw error;
    });
    file = { handle, left: size, pad };
    if (size === 0) {
      await handle.close();
      file = undefined;
      skip = pad;
    }
  };

  const consume = async (chunk: Buffer): Promise<void> => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length > 0 && !ended) {
      if (skip > 0) {
        const n = Math.min(skip, pending.length);
        pending = pending.subarray(n);
        skip -= n;
        continue;
      }
      if (file !== undefined) {
        const n = Math.min(file.left, pending.length);
        await file.handle.write(pending.subarray(0, n));
        pending = pending.subarray(n);
        file.left -= n;
        if (file.left === 0) {
          await file.handle.close();
          skip = file.pad;
          file = undefined;
        }
        continue;
      }
      if (meta !== undefined) {
        const n = Math.min(meta.left, pending.length);
        meta.chunks.push(pending.subarray(0, n));
        pending = pending.subarray(n);
        meta.left -= n;
        if (meta.left === 0) {
          const text = Buffer.concat(meta.chunks).toString('utf8');
          if (meta.type === 'L') longName = text.replace(/\0+$/, '');
          if (meta.type === 'x') {
            const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text);
            if (path) longName = path[1];
          }
          skip = meta.pad;
          meta = undefined;
        }
        continue;
      }
      if (pending.length < BLOCK) return;
      const block = pending.subarray(0, BLOCK);
      pending = pending.subarray(BLOCK);
      await onHeader(Buffer.from(block));
    }
  };

  try {
    for await (const chunk of createReadStream(tarPath)) await consume(chunk as Buffer);
  } finally {
    await file?.handle.close().catch(() => undefined);
  }
  if (file !== undefined || meta !== undefined) throw new LayoutArchiveError('the archive ends in the middle of an entry');
}

function cString(block: Buffer, at: number, length: number): string {
  const slice = block.subarray(at, at + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end === -1 ? length : end).toString('utf8');
}

function parseOctal(block: Buffer, at: number, length: number): number {
  const text = cString(block, at, length).trim();
  if (!/^[0-7]*$/.test(text)) throw new LayoutArchiveError('not a tar archive (a header field is not octal)');
  return text === '' ? 0 : parseInt(text, 8);
}
