/**
 * Where the token signing key comes from. One instance: a PEM file in the data root, created
 * on first start. Instances sharing a PostgreSQL database: the key stored in that database, so
 * a token issued by one is accepted by all (a file per instance would make every other
 * instance refuse it). A data root that already has a key file seeds the database with it, so
 * tokens issued before the move keep working.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateSigningKey, type KeyPair } from '../adapters/crypto/signing-key-file.js';
import type { MetadataStores } from './metadata-database.js';

const KEY_NAME = 'token';

export async function tokenSigningKey(root: string, stores: MetadataStores, sharedDatabase: boolean): Promise<KeyPair> {
  const file = join(root, 'auth', 'token-signing-key.pem');
  if (!sharedDatabase) return loadOrCreateSigningKey(file);
  const pem = await stores.shared.signingKeys.loadOrCreate(KEY_NAME, () => existingOrNew(file), Date.now());
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

function existingOrNew(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
}
