/**
 * A minimal POSIX ustar writer for `berth export --to FILE.tar`: regular files and directories
 * only, names up to 255 bytes through the prefix field (an OCI layout's longest name is
 * `blobs/sha256/<64 hex>`, 77 bytes). Each file's size is known before its bytes are written,
 * so blobs stream from the store without being held in memory.
 */
import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';

const BLOCK = 512;

export class TarWriter {
  constructor(private readonly out: Writable) {}

  async directory(name: string): Promise<void> {
    await this.write(header(name.endsWith('/') ? name : `${name}/`, 0, '5', 0o755));
  }

  async file(name: string, size: number, body: Readable | Buffer): Promise<void> {
    await this.write(header(name, size, '0', 0o644));
    let written = 0;
    if (Buffer.isBuffer(body)) {
      await this.write(body);
      written = body.length;
    } else {
      for await (const chunk of body) {
        const bytes = chunk as Buffer;
        written += bytes.length;
        if (written > size) throw new Error(`${name}: more bytes than its size (${size})`);
        await this.write(bytes);
      }
    }
    if (written !== size) throw new Error(`${name}: ${written} bytes written, ${size} announced`);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad > 0) await this.write(Buffer.alloc(pad));
  }

  /** Two zero blocks end the archive. */
  async end(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2));
    this.out.end();
    await once(this.out, 'finish');
  }

  private async write(bytes: Buffer): Promise<void> {
    if (!this.out.write(bytes)) await once(this.out, 'drain');
  }
}

function header(name: string, size: number, type: '0' | '5', mode: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  let base = name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`name too long for ustar: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  block.write(base, 0, 100, 'utf8');
  octal(block, 100, 8, mode);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, size);
  octal(block, 136, 12, 0);
  block.fill(0x20, 148, 156);
  block.write(type, 156, 1, 'ascii');
  block.write('ustar\u000000', 257, 8, 'ascii');
  block.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return block;
}

function octal(block: Buffer, at: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, at, length, 'ascii');
}
