/**
 * SecretBox with AES-256-GCM under a 32-byte key kept in its own file in the data root
 * (`<root>/auth/secrets.key`, mode 0600), created at first use. A file of its own rather than a
 * key derived from the token signing key: rotating the signing key must not make every stored
 * upstream password unreadable. Instances that share the database must share this file too,
 * as they share the signing key.
 *
 * Sealed form: `v1.<base64url iv>.<base64url ciphertext+tag>`; the 12-byte IV is random per seal.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SecretBox } from '../../ports/secret-box.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const PREFIX = 'v1';

export class AesGcmSecretBox implements SecretBox {
  private key: Promise<Buffer> | undefined;

  constructor(private readonly keyPath: string) {}

  async seal(plain: string): Promise<string> {
    const key = await this.loadKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  async open(sealed: string): Promise<string> {
    const [version, ivText, bodyText] = sealed.split('.');
    if (version !== PREFIX || ivText === undefined || bodyText === undefined) throw new Error('sealed secret: unknown format');
    const key = await this.loadKey();
    const body = Buffer.from(bodyText, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'));
    decipher.setAuthTag(body.subarray(body.length - 16));
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new Error(`sealed secret cannot be opened with ${this.keyPath} (another key, or altered)`, { cause: error });
    }
  }

  private loadKey(): Promise<Buffer> {
    this.key ??= loadOrCreateKey(this.keyPath).catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }
}

async function loadOrCreateKey(path: string): Promise<Buffer> {
  const existing = await readKey(path);
  if (existing !== undefined) return existing;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, randomBytes(KEY_BYTES).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  try {
    // link, not rename: when `berth serve` and a CLI command create the key at once, the second
    // must adopt the first one's key rather than replace it (and orphan what it sealed).
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temporary, { force: true });
  }
  const key = await readKey(path);
  if (key === undefined) throw new Error(`secret key ${path} vanished while being created`);
  return key;
}

async function readKey(path: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`secret key ${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`secret key ${path} is not ${KEY_BYTES} bytes of base64`);
  return key;
}
