/**
 * How a caller proved who they are. Kept on the principal so what a credential may do can
 * depend on it (a personal access token may not create credentials: admin-context.ts), and
 * so a refresh token can be tied to the credential that obtained it and die with it
 * (refresh-tokens.ts). A password or robot secret is named by a fingerprint of its stored
 * hash, never by the hash itself: changing the secret changes the hash and so the fingerprint.
 */
import { createHash } from 'node:crypto';

export type Credential =
  | { kind: 'password'; fingerprint: string }
  | { kind: 'pat'; id: string }
  | { kind: 'robot'; fingerprint: string }
  /** The `berth` command line, run by whoever holds the data directory. */
  | { kind: 'cli' };

export type StoredCredentialKind = 'password' | 'pat' | 'robot';

/** 128 bits of SHA-256 over a stored hash: enough to tell two hashes apart, useless to crack. */
export function fingerprintOf(storedHash: string): string {
  return createHash('sha256').update(storedHash).digest('base64url').slice(0, 22);
}

/** The stored form of a credential: its kind and the PAT id or the fingerprint. */
export function credentialRef(credential: Credential): { kind: StoredCredentialKind; ref: string } | undefined {
  switch (credential.kind) {
    case 'password':
      return { kind: 'password', ref: credential.fingerprint };
    case 'robot':
      return { kind: 'robot', ref: credential.fingerprint };
    case 'pat':
      return { kind: 'pat', ref: credential.id };
    case 'cli':
      return undefined;
  }
}
