/**
 * The token service's ES256 key pair, generated on first start and kept as a PKCS#8 PEM file
 * readable only by the registry's user. Every instance that shares the file (or a copy of it)
 * issues and accepts the same tokens.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export async function loadOrCreateSigningKey(path: string): Promise<KeyPair> {
  try {
    const privateKey = createPrivateKey(await readFile(path));
    return { privateKey, publicKey: createPublicKey(privateKey) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`signing key ${path} cannot be read: ${(error as Error).message}`, { cause: error });
    }
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Written aside and renamed, so a crash never leaves a truncated key that breaks the next start.
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  await rename(temporary, path);
  return { privateKey, publicKey };
}
